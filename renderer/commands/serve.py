"""`render serve`: the command line of the preview server."""

from __future__ import annotations

import sys
import time

from renderer.commands.common import add_common_options, new_parser
from renderer.problems import printable
from renderer.serve import PreviewServer


def log(message: str) -> None:
    """Console lines; control characters (a file name's CR, terminal escapes) are shown, not obeyed."""
    text = "\n".join(printable(line) for line in message.split("\n"))
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = new_parser(
        "render serve",
        description="Preview the docs: render pages on request, reload open tabs when sources change.",
        epilog="Exit status: 0 after Ctrl+C, 1 when the docs tree cannot be opened or the port is taken, 2 for bad "
        "arguments.",
    )
    add_common_options(parser)
    parser.add_argument("--port", type=int, default=4000, help="port (default 4000; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--no-watch", action="store_true", help="do not watch files or live-reload")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port} is not a port number (0 to 65535)", file=sys.stderr)
        return 2
    try:
        server = PreviewServer(args.root, args.versions, host=args.host, port=args.port, watch=not args.no_watch,
                               lenient=args.lenient, log=log)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Serving {server.app.root} at {server.url}{server.app.home_url()}  (Ctrl+C to stop)", file=sys.stderr,
          flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: other machines can read these docs", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
