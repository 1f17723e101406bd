"""Benchmark: `render serve` under load, on loopback (127.0.0.1) only.

    .venv/bin/python bench/bench_serve_load.py [--root DIR] [--requests 1000] [--subscribers 100] [--slow 1100]

1. many tabs and requests: open `--subscribers` live-reload streams on one page, send
   `--requests` requests at once (cached pages and a static file), and check every one
   gets 200; then save a reusable the page uses and time until every stream got its
   `reload` event;
2. slow connections: serve with the descriptor limit at 1024 (`ulimit -n 1024`, set with
   resource.setrlimit in the server's process), open `--slow` connections that send a
   request head a few bytes at a time and never finish it, and meanwhile time normal
   requests (target: each answered within 1 s) and the server's CPU use (an accept loop
   spinning on EMFILE would use a whole core);
3. memory (in this process): the resident size after `--urls` requests for distinct
   made-up 60 KB URLs (any web page can send them with <img src=...>), and after
   `--saves` saves of a 190 KB page, each followed by a view of it.

The docs root (default: the shared 2020 corpus) is copied to a temporary folder first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "github-docs-2020-10"
PAGE = "/en/free-pro-team@latest/actions/guides/about-continuous-integration/"
REUSABLE = "actions/enterprise-github-hosted-runners.md"  # under reusables/ or data/reusables/
PAGES = [PAGE, "/en/enterprise-server@2.22/actions/guides/about-continuous-integration/",
         "/en/free-pro-team@latest/actions/", "/en/free-pro-team@latest/github/getting-started-with-github/quickstart/"]
HOST = "127.0.0.1"


class Server:
    """`render serve` in a subprocess, its stderr drained in a thread."""

    def __init__(self, root: Path, fd_limit: int | None = None):
        def limit() -> None:
            if fd_limit:
                resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

        self.proc = subprocess.Popen([sys.executable, "-m", "renderer", "serve", "--root", str(root), "--port", "0",
                                      "--lenient"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=limit)
        stderr = self.proc.stderr
        assert stderr is not None  # (stderr=PIPE)
        line = stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            raise SystemExit(f"render serve did not start: {line}{stderr.read()}")
        self.port = int(match.group(1))
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(stderr), daemon=True).start()

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def fetch(port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one GET on its own connection."""
    started = time.perf_counter()

    async def go() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            data = await reader.read()
        finally:
            writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body

    status, body = await asyncio.wait_for(go(), timeout)
    return status, body, time.perf_counter() - started


async def subscribe(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    status, body, _ = await fetch(port, path)
    gen = re.search(rb'gen=([\w-]+)"', body)
    if status != 200 or not gen:
        raise SystemExit(f"{path}: status {status}, no reload script")
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"GET /__reload?path={path}&gen={gen.group(1).decode()} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    while not (await reader.readline()).startswith(b": subscribed"):
        pass
    return reader, writer


async def wait_reload(reader: asyncio.StreamReader) -> float:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("stream closed before a reload")
        if line.startswith(b"event: reload"):
            return time.perf_counter()


async def many(root: Path, requests: int, subscribers: int) -> None:
    server = Server(root)
    try:
        for path in PAGES:  # first renders, so what follows measures serving
            await fetch(server.port, path, timeout=60)
        started = time.perf_counter()
        streams = await asyncio.gather(*(subscribe(server.port, PAGE) for _ in range(subscribers)))
        print(f"{subscribers} live-reload subscribers connected in {time.perf_counter() - started:.2f} s")
        paths = [*PAGES, "/static/search.js"]
        started = time.perf_counter()
        results = await asyncio.gather(*(fetch(server.port, paths[i % len(paths)]) for i in range(requests)),
                                       return_exceptions=True)
        wall = time.perf_counter() - started
        ok = [r for r in results if not isinstance(r, BaseException) and r[0] == 200]
        latencies = sorted(r[2] * 1000 for r in ok)
        print(f"{requests} concurrent requests: {len(ok)} answered 200 in {wall:.2f} s "
              f"(latency median {statistics.median(latencies):.0f} ms, max {latencies[-1]:.0f} ms)")
        failed = [r for r in results if isinstance(r, BaseException) or r[0] != 200]
        if failed:
            print(f"  NOT answered 200: {len(failed)} (first: {failed[0]!r})")
        target = next(p for p in (root / "reusables" / REUSABLE, root / "data" / "reusables" / REUSABLE) if p.is_file())
        saved = time.perf_counter()
        target.write_text(target.read_text(encoding="utf-8") + "\nEdited under load.\n", encoding="utf-8")
        arrivals = await asyncio.wait_for(asyncio.gather(*(wait_reload(r) for r, _ in streams)), 30)
        print(f"reload after a save reached all {len(arrivals)} subscribers in "
              f"{(max(arrivals) - saved) * 1000:.0f} ms (first {(min(arrivals) - saved) * 1000:.0f} ms)")
        for _, writer in streams:
            writer.close()
    finally:
        server.stop()


async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event) -> None:
    """A slowloris client: a request head a few bytes at a time, never finished."""
    try:
        writer.write(b"GET /en/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.is_set():
            await asyncio.sleep(2)
            writer.write(b"X: y\r\n")
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def slow(root: Path, count: int) -> None:
    server = Server(root, fd_limit=1024)
    try:
        await fetch(server.port, PAGE, timeout=60)
        stop = asyncio.Event()
        opened = await asyncio.gather(*(asyncio.open_connection(HOST, server.port) for _ in range(count)),
                                      return_exceptions=True)
        clients = [asyncio.create_task(drip(r, w, stop)) for r, w in (c for c in opened if isinstance(c, tuple))]
        print(f"{len(clients)} slow connections open against a server with `ulimit -n 1024`")
        await asyncio.sleep(1)
        cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
        latencies, unanswered = [], 0
        for i in range(10):
            try:
                status, _, seconds = await fetch(server.port, PAGES[i % len(PAGES)], timeout=10)
            except (TimeoutError, OSError) as exc:
                unanswered += 1
                print(f"  request {i}: not answered ({exc!r})")
                continue
            latencies.append(seconds)
            if status != 200:
                print(f"  request {i}: status {status}")
            await asyncio.sleep(0.4)
        cpu = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)
        if latencies:
            print(f"normal requests meanwhile: median {statistics.median(latencies) * 1000:.0f} ms, max "
                  f"{max(latencies) * 1000:.0f} ms, {len(latencies)} of 10 answered  [target: all, <= 1000 ms]")
        else:
            print(f"normal requests meanwhile: none of {unanswered} answered within 10 s")
        print(f"server CPU while flooded: {cpu * 100:.0f} % of one core")
        stop.set()
        await asyncio.gather(*clients, return_exceptions=True)
    finally:
        server.stop()
    warnings = [line.strip() for line in server.log if "cannot accept" in line or "Traceback" in line]
    print(f"server log lines about it: {len(warnings)}{': ' + warnings[0] if warnings else ''}")


def resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(root: Path, urls: int, saves: int) -> None:
    sys.path.insert(0, str(REPO))  # this checkout's renderer, as the server subprocesses use
    from renderer.serve import PreviewApp

    print(f"(in this process: {sys.modules['renderer'].__file__})")

    app = PreviewApp(root, lenient=True)
    app.respond(PAGE)
    before = resident_mb()
    for i in range(urls):
        app.respond(f"/en/free-pro-team@latest/{i:05d}{'x' * 60_000}/")
    print(f"memory after {urls} distinct 60 KB URLs (404s): +{resident_mb() - before:.0f} MB resident")
    source = root / "content" / (PAGE.split("/", 3)[3].strip("/") + ".md")
    original = source.read_text(encoding="utf-8")
    filler = "".join(f"\nParagraph {j} with **bold**, `code` and {{% data variables.product.prodname_actions %}}.\n"
                     for j in range(2200))
    before = resident_mb()
    started = time.perf_counter()
    for i in range(saves):
        source.write_text(original + f"\nSave {i}.\n" + filler, encoding="utf-8")
        app.apply_changes([(2, str(source))])
        app.respond(PAGE)
    size = source.stat().st_size // 1024
    print(f"memory after {saves} saves of a {size} KB page: +{resident_mb() - before:.0f} MB resident "
          f"({(time.perf_counter() - started) / saves * 1000:.0f} ms per save and view)")
    source.write_text(original, encoding="utf-8")


def copy_tree(root: Path, into: Path) -> Path:
    copy = into / "docs"
    for name in ("content", "data", "reusables", "includes", "site", "assets"):
        if (root / name).is_dir():
            shutil.copytree(root / name, copy / name, symlinks=True)
    return copy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=CORPUS)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--slow", type=int, default=1100)
    parser.add_argument("--urls", type=int, default=8000)
    parser.add_argument("--saves", type=int, default=600)
    args = parser.parse_args()
    if not (args.root / "content").is_dir():
        print(f"no docs tree at {args.root}", file=sys.stderr)
        return 1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # this process holds every client socket
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    with tempfile.TemporaryDirectory(prefix="bench-serve-load-") as tmp:
        root = copy_tree(args.root, Path(tmp))
        print(f"render serve on a copy of {args.root}")
        asyncio.run(many(root, args.requests, args.subscribers))
        asyncio.run(slow(root, args.slow))
        memory(root, args.urls, args.saves)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
