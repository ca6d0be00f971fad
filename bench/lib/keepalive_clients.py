#!/usr/bin/env python3
"""N kept-alive client connections, each used twice (bench/connections.sh).

Usage: keepalive_clients.py PORT CONNECTIONS [PATH] [--tls]. Opens CONNECTIONS connections to
127.0.0.1:PORT (over TLS with --tls), sends one request on each (with the header
fields a browser or SDK sends), then a second one on each, reads every response in full, and
reports how many answered 200 in each round. Then it signals READY (one line on stdout) and keeps
every connection open until it reads a line on stdin, so the caller can measure the server.
Bounded: every read has a timeout.
"""
import asyncio
import ssl
import sys

REQUEST = (
    "GET {path} HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
    "Accept: application/json, text/plain, */*\r\n"
    "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Cookie: session=4f2c9a8e1b7d6c5a3e2f1a0b9c8d7e6f; theme=dark; locale=en_US\r\n"
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQtezB9In0.c2lnbmF0dXJl\r\n"
    "X-Client-Version: 4.12.{n}\r\n"
    "Referer: https://app.example.com/dashboard/{n}\r\n"
    "\r\n"
)


async def exchange(reader, writer, path, n, timeout):
    writer.write(REQUEST.format(path=path, n=n).encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await asyncio.wait_for(reader.readexactly(length), timeout)
    return status


async def main(port, connections, path, timeout, tls):
    context = None
    if tls:
        # HTTP/1.1 over TLS to a self-signed loopback certificate.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["http/1.1"])
    opened = []
    failures = {"connect": 0}
    sem = asyncio.Semaphore(200)  # connects in flight at once

    async def connect(n):
        async with sem:
            try:
                opened.append((n, *await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, ssl=context), timeout)))
            except Exception:
                failures["connect"] += 1

    await asyncio.gather(*(connect(n) for n in range(connections)))
    rounds = []
    for round_no in (1, 2):
        ok = 0
        errors = {}

        async def one(entry):
            nonlocal ok
            n, reader, writer = entry
            async with sem:
                try:
                    status = await exchange(reader, writer, path, n, timeout)
                    if status == 200:
                        ok += 1
                    else:
                        errors[status] = errors.get(status, 0) + 1
                except Exception as e:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1

        await asyncio.gather(*(one(entry) for entry in opened))
        rounds.append((ok, errors))
    print(f"opened {len(opened)} of {connections} (connect failures {failures['connect']}); "
          f"round 1: {rounds[0][0]} x 200 {rounds[0][1] or ''}; round 2: {rounds[1][0]} x 200 {rounds[1][1] or ''}", flush=True)
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for _, _, writer in opened:
        writer.close()


if __name__ == "__main__":
    tls = "--tls" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--tls"]
    port, connections = int(args[0]), int(args[1])
    path = args[2] if len(args) > 2 else "/"
    asyncio.run(main(port, connections, path, timeout=30, tls=tls))
