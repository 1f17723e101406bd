"""Benchmark: `render serve` cold start, warm page latency and live-reload latency.

    .venv/bin/python bench/bench_serve.py [--root DIR] [--page URL_PATH] [--reusable DOTTED]

1. cold start: spawn `render serve` on a free loopback port and time until the first
   page is served (status 200), as a writer opening the preview would see it;
2. warm page: the median (and p95) of 50 requests for that page once it is cached, plus
   the first render of a few other pages (what following a link costs);
3. reload: copy the docs tree to a temporary folder, serve it, open the page, subscribe
   to its reload events like the injected script does, save a reusable the page uses,
   and time from the save until the `reload` event arrives (5 rounds); then the same
   for an edit of the page body and of its title (which rebuilds the navigation).

Targets: cold start <= 2 s, warm page <= 50 ms, reload <= 300 ms. Default root: the
shared 2020 corpus next to the repository (read-only; the reload round works on a copy).
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "github-docs-2020-10"
DEFAULT_PAGE = "/en/free-pro-team@latest/actions/guides/about-continuous-integration"
DEFAULT_REUSABLE = "reusables.actions.enterprise-github-hosted-runners"
OTHER_PAGES = [
    "/en/free-pro-team@latest/actions/guides/about-packaging-with-github-actions",
    "/en/enterprise-server@2.22/actions/guides/about-continuous-integration",
    "/en/free-pro-team@latest/github/getting-started-with-github/quickstart",
    "/en/free-pro-team@latest/actions",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def spawn(root: Path, port: int, lenient: bool) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "renderer", "serve", "--root", str(root), "--port", str(port)]
    if lenient:
        cmd.append("--lenient")
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_first_page(proc: subprocess.Popen, port: int, path: str, started: float, limit: float = 30.0) -> tuple[float, int]:
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"render serve exited early:\n{proc.stderr.read() if proc.stderr else ''}")
        try:
            status, _ = fetch(port, path)
            return time.perf_counter() - started, status
        except OSError:
            if time.perf_counter() - started > limit:
                raise SystemExit("render serve did not answer in time") from None
            time.sleep(0.005)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cold_and_warm(root: Path, page: str, lenient: bool) -> None:
    port = free_port()
    started = time.perf_counter()
    proc = spawn(root, port, lenient)
    try:
        cold, status = wait_first_page(proc, port, page, started)
        print(f"cold start to first page: {cold * 1000:.0f} ms (status {status})  [target <= 2000 ms]")
        samples = []
        for _ in range(50):
            t = time.perf_counter()
            status, _ = fetch(port, page)
            samples.append((time.perf_counter() - t) * 1000)
            assert status == 200, status
        samples.sort()
        print(f"warm page: median {statistics.median(samples):.2f} ms, p95 {samples[47]:.2f} ms, "
              f"max {samples[-1]:.2f} ms over 50 requests  [target <= 50 ms]")
        for other in OTHER_PAGES:
            t = time.perf_counter()
            status, _ = fetch(port, other)
            print(f"  first view of {other}: {(time.perf_counter() - t) * 1000:.0f} ms (status {status})")
    finally:
        stop(proc)


def read_reload(sock_file, deadline: float) -> float | None:
    while time.perf_counter() < deadline:
        line = sock_file.readline()
        if not line:
            return None
        if line.startswith(b"event: reload"):
            return time.perf_counter()
    return None


def page_file(root: Path, page: str) -> Path:
    rel = "/".join(page.strip("/").split("/")[2:])
    for candidate in (root / "content" / f"{rel}.md", root / "content" / rel / "index.md"):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"no source file for {page} under {root}")


def time_reloads(port: int, page: str, target: Path, edit, label: str, rounds: int = 5) -> None:
    """Save `target` with `edit(original, i)` and time until the page's tab is told to reload."""
    original = target.read_text(encoding="utf-8")
    latencies = []
    try:
        for i in range(rounds):
            status, body = fetch(port, page)
            gen = re.search(rb'gen=([\w-]+)"', body)
            if status != 200 or gen is None:
                raise SystemExit(f"page {page} gave {status} or has no reload script")
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(f"GET /__reload?path={page}&gen={gen.group(1).decode()} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sock_file = sock.makefile("rb")
            while not sock_file.readline().startswith(b": subscribed"):
                pass
            saved = time.perf_counter()
            target.write_text(edit(original, i), encoding="utf-8")
            arrived = read_reload(sock_file, saved + 5)
            sock.close()
            if arrived is None:
                print(f"  {label}, round {i + 1}: no reload event within 5 s")
                continue
            latencies.append((arrived - saved) * 1000)
            time.sleep(0.1)
    finally:
        target.write_text(original, encoding="utf-8")
    if latencies:
        print(f"reload after {label}: median {statistics.median(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms over {len(latencies)} rounds  [target <= 300 ms]")


def reload_latency(root: Path, page: str, reusable: str, lenient: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        copy = Path(tmp) / "docs"
        for name in ("content", "data", "reusables", "includes", "site"):
            if (root / name).is_dir():
                shutil.copytree(root / name, copy / name, symlinks=True)
        parts = reusable.split(".")[1:]
        target = copy / "reusables" / Path(*parts).with_suffix(".md")
        if not target.is_file():
            target = copy / "data" / "reusables" / Path(*parts).with_suffix(".md")
        if not target.is_file():
            raise SystemExit(f"reusable {reusable} not found in {root}")
        port = free_port()
        proc = spawn(copy, port, lenient)
        try:
            wait_first_page(proc, port, page, time.perf_counter())
            time.sleep(0.5)  # let the watcher settle on the copy
            time_reloads(port, page, target, lambda text, i: text + f"\nEdited {i}.\n", f"saving {reusable}")
            source = page_file(copy, page)
            time_reloads(port, page, source, lambda text, i: text.rstrip() + f"\n\nEdited {i}.\n",
                         "saving the page (body edit)")
            time_reloads(port, page, source, lambda text, i: re.sub(r"^title: (.*)$", rf"title: \1 {i}", text, count=1,
                                                                     flags=re.M),
                         "saving the page (title edit: navigation of every page rebuilt)")
        finally:
            stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=CORPUS)
    parser.add_argument("--page", default=DEFAULT_PAGE, help="URL path of the page to time")
    parser.add_argument("--reusable", default=DEFAULT_REUSABLE, help="dotted path of a reusable that page uses")
    parser.add_argument("--strict", action="store_true", help="do not pass --lenient to render serve")
    args = parser.parse_args()
    if not (args.root / "content").is_dir():
        print(f"no docs tree at {args.root}", file=sys.stderr)
        return 1
    lenient = not args.strict
    print(f"render serve on {args.root}")
    cold_and_warm(args.root, args.page, lenient)
    reload_latency(args.root, args.page, args.reusable, lenient)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
