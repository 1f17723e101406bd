"""`render build` on hostile input: what a docs tree, a site folder or a cache can make it do.

Each test runs the real `render build` command (a subprocess) on a small docs tree from
test_build_support and checks what gets published and what the command says.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from docs_fixture import time_limit
from test_build_support import FPT, make_docs, read, tree_digest

REPO_ROOT = Path(__file__).resolve().parents[1]
ENGINE_SITE = REPO_ROOT / "site"


def render_build(root: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "renderer", "build", "--root", str(root), "--out", str(out), "--jobs", "1",
               "--no-progress", *extra]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def cache_file(out: Path) -> Path:
    return out.parent / ".render-cache" / out.name / "index.json"


# --- what gets published ---------------------------------------------------------------


def test_links_out_of_the_tree_and_special_files_are_not_published(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n")
    root = make_docs(tmp_path / "docs", {"assets/images/logo.png": "png"})
    shutil.copytree(ENGINE_SITE, root / "site")  # the docs root's own layouts
    (root / "assets" / "leak").symlink_to(secret)
    (root / "assets" / "environ").symlink_to("/proc/self/environ")
    (root / "assets" / "folder").symlink_to(tmp_path)
    (root / "assets" / "inside.md").symlink_to(root / "content" / "index.md")  # inside the tree: fine
    (root / "site" / "static" / "leak.css").symlink_to(secret)
    os.mkfifo(root / "assets" / "pipe")  # reading it would block the build forever
    out = tmp_path / "_site"
    with time_limit(60):
        result = render_build(root, out)
    assert result.returncode == 0, result.stderr
    published = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "assets/images/logo.png" in published and "assets/inside.md" in published
    for name in ("assets/leak", "assets/environ", "assets/pipe", "static/leak.css"):
        assert name not in published
    assert not any(p.startswith("assets/folder") for p in published)
    assert not any("TOP SECRET" in (out / p).read_text(errors="replace") for p in published)
    for name in ("assets/leak", "assets/environ", "assets/pipe", "assets/folder", "site/static/leak.css"):
        [line] = [line for line in result.stderr.splitlines() if line.startswith(f"{name}:")]
        assert "warning:" in line and "not published" in line


# --- the cache -------------------------------------------------------------------------


class _Payload:
    """Unpickling this creates a file: proof that the cache was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_pickled_cache_is_never_loaded(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert render_build(root, out).returncode == 0
    marker = tmp_path / "pwned"
    folder = out.parent / ".render-cache" / out.name
    for name in ("index.bin", "index.json"):  # the old file name, and the current one
        (folder / name).write_bytes(b"render-cache pickle\n" + pickle.dumps(_Payload(marker)))
    result = render_build(root, out)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "the build unpickled its cache"
    assert "full build" in result.stderr.splitlines()[-1]


def _damage(how: str, file: Path) -> None:
    raw = file.read_bytes()
    header, _, body = raw.partition(b"\n")
    if how == "truncated":
        file.write_bytes(raw[: len(raw) // 2])
    elif how == "flipped":
        middle = len(raw) // 2
        file.write_bytes(raw[:middle] + bytes([raw[middle] ^ 0x01]) + raw[middle + 1:])
    else:  # valid checksum, wrong shape: a page entry one field short (an IndexError, once)
        import hashlib
        import json

        data = json.loads(body)
        relpath = next(iter(data["pages"]))
        data["pages"][relpath] = data["pages"][relpath][:3]
        body = json.dumps(data).encode()
        version = header.split(b" ")[2]
        file.write_bytes(b"render-cache json " + version + b" sha256=" + hashlib.sha256(body).hexdigest().encode()
                         + b"\n" + body)


@pytest.mark.parametrize("how", ["truncated", "flipped", "wrong-shape"])
def test_a_damaged_cache_means_a_full_build_and_a_note(tmp_path, how):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert render_build(root, out).returncode == 0
    _damage(how, cache_file(out))
    result = render_build(root, out)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "not used" in notes[0] and "building everything" in notes[0], result.stderr
    assert "full build" in result.stderr.splitlines()[-1]
    # and the next build uses the cache it wrote
    again = render_build(root, out)
    assert "incremental build" in again.stderr and "note:" not in again.stderr


def test_files_changed_in_the_published_site_are_written_again(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert render_build(root, out).returncode == 0
    clean = tree_digest(out)
    page = out / "en" / FPT / "alpha" / "advanced" / "deep" / "index.html"
    page.write_text(page.read_text().replace("xylophone", "DEFACED"))
    (out / "old" / "first-steps" / "index.html").unlink()  # a redirect stub
    (out / "search" / FPT / "pagefind" / "pagefind-entry.json").write_text("{}")  # a file of the search bundle
    (out / "sitemap.xml").unlink()
    result = render_build(root, out)
    assert result.returncode == 0 and "incremental build" in result.stderr
    assert tree_digest(out) == clean
    assert "xylophone" in read(out, f"/en/{FPT}/alpha/advanced/deep/")


# --- two builds, one output --------------------------------------------------------------


def test_a_second_build_into_the_same_out_is_refused_while_the_first_runs(tmp_path):
    from test_hardening_build import build_command, wait_for_rendering
    from test_hardening_build import make_docs as make_big_docs

    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_big_docs(docs, "The note.")
    first = subprocess.Popen(build_command(docs, out, "--no-cache", "--jobs", "1"), cwd=REPO_ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_rendering(first, out)
        os.kill(first.pid, signal.SIGSTOP)  # it holds the output until it goes on
        try:
            second = subprocess.run(build_command(docs, out), cwd=REPO_ROOT, capture_output=True, text=True,
                                    timeout=120)
        finally:
            os.kill(first.pid, signal.SIGCONT)
        _, first_err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, first_err
    assert second.returncode == 1, second.stderr
    [line] = second.stderr.splitlines()
    assert line.startswith("error: another build") and str(out) in line
