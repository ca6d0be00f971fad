#!/usr/bin/env python3
"""An upstream of fixed capacity for bench/adaptive.sh: SLOTS requests are served at a time, each
for SERVICE_MS, and the others wait their turn in arrival order, so its latency grows with the
concurrency it is offered (as a database's or a saturated CPU's does). Answers every HTTP/1.1
request with 200 and a small JSON body over keep-alive; capacity SLOTS * 1000 / SERVICE_MS req/s.

Usage: queueing_upstream.py PORT SLOTS SERVICE_MS
"""
import asyncio
import sys

BODY = b'{"service":"nexus-bench-queueing-upstream","status":"ok"}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


async def serve(reader, writer, slots, service):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                return
            async with slots:
                await asyncio.sleep(service)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port, slots, service):
    semaphore = asyncio.Semaphore(slots)  # FIFO: waiters are woken in arrival order
    server = await asyncio.start_server(lambda r, w: serve(r, w, semaphore, service), "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000.0))
