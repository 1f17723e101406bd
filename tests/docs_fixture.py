"""Build small docs trees on disk for tests."""

from __future__ import annotations

import faulthandler
import signal
import textwrap
from contextlib import contextmanager
from pathlib import Path

from renderer.model.tree import DocsTree

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "github-docs-2020-10"

BASE_FILES = {
    "data/variables/product.yml": (
        "prodname_actions: GitHub Actions\n"
        "product_name: '{% if currentVersion == \"free-pro-team@latest\" %}GitHub{% else %}GitHub Enterprise Server{% endif %}'\n"
    ),
    "content/index.md": "---\ntitle: Home\nversions: '*'\n---\n",
}


def versions_yaml(*enterprise_releases: str, deprecated: tuple[str, ...] = ()) -> str:
    """A data/versions.yml with free-pro-team and the given enterprise-server releases."""
    releases = ", ".join(f"'{r}'" for r in enterprise_releases)
    text = (
        "default: free-pro-team@latest\n"
        "plans:\n"
        "  - name: free-pro-team\n"
        "    title: Free, Pro, and Team\n"
        "    releases: [latest]\n"
        "  - name: enterprise-server\n"
        "    title: Enterprise Server\n"
        "    context_name: enterpriseServer\n"
        f"    releases: [{releases}]\n"
    )
    if deprecated:
        text += f"    deprecated: [{', '.join(repr(r) for r in deprecated)}]\n"
    return text


def page(title: str, body: str, versions: str = "{free-pro-team: '*', enterprise-server: '*'}", **fields: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntitle: {title}\nversions: {versions}\n{extra}---\n{textwrap.dedent(body)}"


def make_tree(root: Path, files: dict[str, str], *, lenient: bool = False) -> DocsTree:
    for rel, text in {**BASE_FILES, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return DocsTree(root, lenient=lenient)


@contextmanager
def time_limit(seconds: float):
    """Fail (instead of hanging the suite) when the block runs longer than `seconds`."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"took longer than {seconds}s (hang?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    # The alarm only interrupts Python code; a runaway C call (a regex) is stopped by this
    # watchdog, which prints every thread's stack and ends the run instead of hanging CI.
    faulthandler.dump_traceback_later(seconds * 6 + 30, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
