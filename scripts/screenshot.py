#!/usr/bin/env python3
"""Take docs/screenshot.png of the built project site (for the README).

Usage: .venv/bin/python scripts/screenshot.py [--site _site] [--page URL_PATH] [--out docs/screenshot.png]

Serves the built site on 127.0.0.1 (any free port), opens a page in Debian's chromium
through playwright, and saves a PNG. Build the site first (./scripts/build-site).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PAGE = "/en/free-pro-team@latest/packages/using-github-packages-with-your-projects-ecosystem/using-github-packages-with-github-actions/"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default=str(REPO / "_site"), help="built site folder (default: _site)")
    parser.add_argument("--page", default=DEFAULT_PAGE, help="URL path of the page to show")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshot.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=860)
    args = parser.parse_args()

    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"no built site at {site}: run ./scripts/build-site first", file=sys.stderr)
        return 1
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}{args.page}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            response = page.goto(url, wait_until="networkidle")
            if response is None or response.status != 200:
                print(f"{url}: HTTP {response.status if response else '?'}", file=sys.stderr)
                return 1
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=args.out)
            browser.close()
    finally:
        server.shutdown()
    print(f"wrote {args.out} ({url})")
    return 0


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


if __name__ == "__main__":
    raise SystemExit(main())
