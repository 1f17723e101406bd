"""`render build` interrupted half-way (Ctrl-C or kill -9) leaves the previous site untouched.

CLI level: a real `render build` subprocess on a generated docs tree is stopped while it
renders into its staging folder; the published site must be byte-identical to the one
before, and the next build must publish the new content.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docs_fixture import versions_yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
PAGES = 80
VERSIONS_YML = versions_yaml("2.22", "2.21", "2.20")


def make_docs(root: Path, note: str) -> None:
    (root / "content" / "sec").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "reusables" / "r").mkdir(parents=True, exist_ok=True)
    (root / "data" / "versions.yml").write_text(VERSIONS_YML)
    (root / "reusables" / "r" / "note.md").write_text(note)
    (root / "content" / "index.md").write_text("---\ntitle: Home\nversions: '*'\n---\nHome.\n")
    links = "".join(f"{{% link_in_list /p{i} %}}\n" for i in range(PAGES))
    (root / "content" / "sec" / "index.md").write_text(f"---\ntitle: Section\nversions: '*'\n---\n{links}")
    body = "Some *text* with `code` and a [link](/sec/p0).\n\n" * 30
    for i in range(PAGES):
        (root / "content" / "sec" / f"p{i}.md").write_text(
            f"---\ntitle: Page {i}\nversions: '*'\n---\n\n## Part {i}\n\n{{% data reusables.r.note %}}\n\n{body}")


def build_command(root: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "renderer", "build", "--root", str(root), "--out", str(out), "--no-progress", *extra]


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def staging_folders(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.build-")]


def wait_for_rendering(process: subprocess.Popen, out: Path, timeout: float = 60) -> None:
    """Return once the build has written pages into its staging folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the build finished (status {process.returncode}) before it could be interrupted; "
                        "make the fixture bigger")
        for folder in staging_folders(out):
            if any(folder.glob("en/*/sec/*/index.html")):
                return
        time.sleep(0.01)
    pytest.fail("the build never started writing pages")


@pytest.mark.parametrize("how, extra", [
    (signal.SIGINT, ("--no-cache",)),   # Ctrl-C during a full build
    (signal.SIGKILL, ()),               # kill -9 during an incremental build
], ids=["sigint-full", "sigkill-incremental"])
def test_interrupted_build_leaves_the_previous_site_untouched(tmp_path, how, extra):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The FIRST note.")
    first = subprocess.run(build_command(docs, out), capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert len(before) > PAGES and "FIRST" in (out / "en" / "free-pro-team@latest" / "sec" / "p1" / "index.html").read_text()

    make_docs(docs, "The SECOND note.")  # every page depends on it: a long rebuild
    process = subprocess.Popen(build_command(docs, out, *extra), cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_rendering(process, out)
        os.killpg(process.pid, how)  # the build and any worker processes it started
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")
    assert snapshot(out) == before, "the published site changed after an interrupted build"
    if how == signal.SIGINT:
        assert staging_folders(out) == [], "Ctrl-C left the staging folder behind"

    again = subprocess.run(build_command(docs, out), capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert again.returncode == 0, again.stderr
    page = (out / "en" / "enterprise-server@2.21" / "sec" / "p7" / "index.html").read_text()
    assert "SECOND" in page and "FIRST" not in page


def test_build_link_scan_is_linear_on_unclosed_anchor_tags(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    (docs / "content").mkdir(parents=True)
    (docs / "data").mkdir()
    (docs / "data" / "versions.yml").write_text(VERSIONS_YML)
    (docs / "content" / "index.md").write_text("---\ntitle: Home\nversions: '*'\n---\n<p>" + "<a " * 6000 + "</p>\n")
    started = time.monotonic()
    result = subprocess.run(build_command(docs, out, "--jobs", "1"), capture_output=True, text=True, cwd=REPO_ROOT,
                            timeout=300)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 2.5, f"render build took {elapsed:.1f}s on one page"
