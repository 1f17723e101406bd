#!/usr/bin/env python3
"""Take the README screenshots of the built project site: desktop and phone.

Usage: .venv/bin/python scripts/screenshot.py [--site _site] [--page URL_PATH] [--out-dir docs]

Serves the built site on 127.0.0.1 (any free port), opens a page in Debian's chromium
through playwright and saves docs/screenshot.png (1280 x 860) and
docs/screenshot-phone.png (390 x 844, the navigation drawer closed). Build the site
first (./scripts/build-site).
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
DEFAULT_PAGE = ("/en/free-pro-team@latest/packages/using-github-packages-with-your-projects-ecosystem/"
                "using-github-packages-with-github-actions/")
SHOTS = (  # file name, viewport, phone?
    ("screenshot.png", {"width": 1280, "height": 860}, False),
    ("screenshot-phone.png", {"width": 390, "height": 844}, True),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default=str(REPO / "_site"), help="built site folder (default: _site)")
    parser.add_argument("--page", default=DEFAULT_PAGE, help="URL path of the page to show")
    parser.add_argument("--out-dir", default=str(REPO / "docs"), help="where the PNGs go (default: docs)")
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
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for name, viewport, phone in SHOTS:
                context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, color_scheme="light")
                page = context.new_page()
                response = page.goto(url, wait_until="networkidle")
                if response is None or response.status != 200:
                    print(f"{url}: HTTP {response.status if response else '?'}", file=sys.stderr)
                    return 1
                page.screenshot(path=str(out_dir / name))
                context.close()
                print(f"wrote {out_dir / name} ({viewport['width']} x {viewport['height']}, {url})")
            browser.close()
    finally:
        server.shutdown()
    return 0


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


if __name__ == "__main__":
    raise SystemExit(main())
