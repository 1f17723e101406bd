"""The `render` command line: one module per subcommand, dispatched by name.

Every subcommand module has `main(argv) -> int`. A mistake in the docs or the arguments
(RenderError, OSError) is printed here, once, as a message and an exit status, never as a
traceback.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from pathlib import Path

from renderer.commands.common import print_error
from renderer.errors import RenderError
from renderer.problems import printable

COMMANDS = {
    "export": "renderer.commands.export",
    "build": "renderer.commands.build",
    "serve": "renderer.commands.serve",
    "check": "renderer.commands.check",
    "parity": "renderer.parity",
    "migrate": "renderer.commands.migrate",
    "deprecate": "renderer.commands.deprecate",
    "diff": "renderer.commands.diff",
}
USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return dispatch(argv)
    except RenderError as err:
        print_error(err)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except OSError as err:
        print_error(err)
        return 1


def dispatch(argv: list[str]) -> int:
    """`render NAME ...` runs a subcommand; `render [options] PAGE` renders one page."""
    if argv and argv[0] in COMMANDS:
        return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])
    if argv and is_command_like(argv[0]):
        print(printable(f"error: {unknown_command(argv[0])}"), file=sys.stderr)
        return USAGE_ERROR
    from renderer.commands import render_page

    return render_page.main(argv, commands=list(COMMANDS))


def is_command_like(word: str) -> bool:
    """A bare word that is no path: a (mistyped) subcommand, not a page to render."""
    if word.startswith("-") or "/" in word or word.endswith(".md"):
        return False
    try:
        return not Path(word).exists()
    except (OSError, ValueError):  # a name the file system refuses is no page either
        return True


def unknown_command(word: str) -> str:
    close = difflib.get_close_matches(word, COMMANDS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"commands: {', '.join(COMMANDS)}; or give a page path"
    return f"unknown command {word!r} ({hint})"


if __name__ == "__main__":
    raise SystemExit(main())
