#!/usr/bin/env python3
"""The aiohttp peer of bench/compare: fetch every URL in FILE with C worker
tasks over one ClientSession, and print "STATUS BYTES" per URL (000 0 on a
transport error), the same as curl's -w '%{http_code} %{size_download}\\n'.

    python3 bench/aiohttp_peer.py C FILE > out

The URL list is streamed through a small queue, so memory is bounded by C,
not by the length of the list. No retries.
"""
import asyncio
import sys

import aiohttp


async def worker(session, queue, out):
    while True:
        url = await queue.get()
        if url is None:
            return
        try:
            async with session.get(url) as resp:
                body = await resp.read()
                out.append(f"{resp.status} {len(body)}\n")
        except (aiohttp.ClientError, asyncio.TimeoutError):
            out.append("000 0\n")
        if len(out) >= 256:
            sys.stdout.write("".join(out))
            out.clear()


async def main(conc, path):
    queue = asyncio.Queue(maxsize=2 * conc)
    out = []
    conn = aiohttp.TCPConnector(limit=conc)
    async with aiohttp.ClientSession(connector=conn) as session:
        workers = [asyncio.create_task(worker(session, queue, out))
                   for _ in range(conc)]
        with open(path, encoding="utf-8") as f:
            for line in f:
                url = line.strip()
                if url and not url.startswith("#"):
                    await queue.put(url)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: aiohttp_peer.py CONCURRENCY FILE")
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
