#!/usr/bin/env python3
"""A healthy but slow upstream for bench/overload.sh: answers every HTTP/1.1 request with 200 and
a small JSON body after a fixed delay, over keep-alive, with no limit of its own on concurrent
requests (a timer per request, no thread held). Its capacity behind the gateway is then the
gateway's places divided by the delay: 200 places / 100 ms = 2,000 req/s.

Usage: slow_upstream.py PORT DELAY_MS
"""
import asyncio
import sys

BODY = b'{"service":"nexus-bench-slow-upstream","status":"ok"}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


class Slow(asyncio.Protocol):
    """One connection: each request head (GETs only, no bodies) is answered DELAY seconds later."""

    def __init__(self, loop, delay):
        self.loop = loop
        self.delay = delay
        self.transport = None
        self.buffer = b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 4:]
            # Answers leave in arrival order: every request on a connection waits the same delay.
            self.loop.call_later(self.delay, self.answer)

    def answer(self):
        if not self.transport.is_closing():
            self.transport.write(RESPONSE)


async def main(port, delay):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Slow(loop, delay), "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]) / 1000.0))
