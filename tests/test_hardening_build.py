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


def make_docs(root: Path, note: str, pages: int = PAGES) -> None:
    (root / "content" / "sec").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "reusables" / "r").mkdir(parents=True, exist_ok=True)
    (root / "data" / "versions.yml").write_text(VERSIONS_YML)
    (root / "reusables" / "r" / "note.md").write_text(note)
    (root / "content" / "index.md").write_text("---\ntitle: Home\nversions: '*'\n---\nHome.\n")
    links = "".join(f"{{% link_in_list /p{i} %}}\n" for i in range(pages))
    (root / "content" / "sec" / "index.md").write_text(f"---\ntitle: Section\nversions: '*'\n---\n{links}")
    body = "Some *text* with `code` and a [link](/sec/p0).\n\n" * 30
    for i in range(pages):
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


# --- the build's own processes and the output's permissions --------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; its new parent has not reaped it yet


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_exit_when_the_build_is_killed(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=120)  # over 250 renders: a process pool
    process = subprocess.Popen(build_command(docs, out, "--jobs", "2"), cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_rendering(process, out)
        workers = _children(process.pid)
        assert workers, "no worker processes"
        os.kill(process.pid, signal.SIGKILL)  # the build only, as the OOM killer would
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived the build"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("umask, folder_mode, file_mode", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_the_site_has_the_modes_the_umask_gives(tmp_path, umask, folder_mode, file_mode):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=3)
    for edit in ("first", "second"):  # a full build, then an incremental one
        (docs / "reusables" / "r" / "note.md").write_text(f"The {edit} note.")
        result = subprocess.run(build_command(docs, out), cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                                preexec_fn=lambda: os.umask(umask))
        assert result.returncode == 0, result.stderr
        assert out.stat().st_mode & 0o777 == folder_mode, f"{edit} build: {oct(out.stat().st_mode)}"
        for path in (out / "en", out / "en" / "free-pro-team@latest" / "sec" / "p1"):
            assert path.stat().st_mode & 0o777 == folder_mode
        for path in (out / "404.html", out / "en" / "free-pro-team@latest" / "sec" / "p1" / "index.html"):
            assert path.stat().st_mode & 0o777 == file_mode


# --- mistakes get one line, never a traceback ------------------------------------------------


def _one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if all(w in line for w in words)]
    assert lines, result.stderr


def test_bad_folders_are_one_line_errors(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=2)
    _one_line_error(subprocess.run(build_command(docs, out, "--site-dir", str(tmp_path / "nonexistent")),
                                   cwd=REPO_ROOT, capture_output=True, text=True), "error:", "nonexistent")
    _one_line_error(subprocess.run(build_command(docs, out, "--cache-dir", "/proc/x"), cwd=REPO_ROOT,
                                   capture_output=True, text=True), "error:", "/proc/x")
    assert not out.exists()


@pytest.mark.parametrize(("jobs", "words"), [("0", "1 or more"), ("-2", "1 or more"), ("two", "a whole number")])
def test_a_bad_jobs_value_is_a_usage_error(tmp_path, jobs, words):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=2)
    result = subprocess.run(build_command(docs, out, "--jobs", jobs), cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"argument --jobs: expected {words}" in result.stderr
    assert not out.exists()


def test_a_redirect_that_cannot_be_a_file_is_a_located_error(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=2)
    (docs / "content" / "b.md").write_text("---\ntitle: B\nversions: '*'\nredirect_from: /b/index.html\n---\nB.\n")
    result = subprocess.run(build_command(docs, out), cwd=REPO_ROOT, capture_output=True, text=True)
    _one_line_error(result, "content/b.md:4:", "error:", "/b/index.html")
    assert not out.exists()
    result = subprocess.run(build_command(docs, out, "--keep-going"), cwd=REPO_ROOT, capture_output=True, text=True)
    _one_line_error(result, "content/b.md:4:", "error:", "/b/index.html")
    assert (out / "en" / "free-pro-team@latest" / "b" / "index.html").is_file()  # published without that redirect


@pytest.fixture
def small_filesystem(tmp_path):
    """A 2 MB tmpfs (needs root; skipped elsewhere): room for the small site, its search bundles and cache."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_or_read_only_disk_is_a_one_line_error(tmp_path, small_filesystem):
    docs = tmp_path / "docs"
    make_docs(docs, "The note.", pages=3)
    out = small_filesystem / "_site"
    assert subprocess.run(build_command(docs, out), cwd=REPO_ROOT, capture_output=True).returncode == 0
    before = snapshot(out)
    (docs / "reusables" / "r" / "note.md").write_text("A long note. " * 20000)  # every page grows past 1 MB
    _one_line_error(subprocess.run(build_command(docs, out), cwd=REPO_ROOT, capture_output=True, text=True),
                    "FAILED", "No space left on device")
    assert snapshot(out) == before
    subprocess.run(["mount", "-o", "remount,ro", str(small_filesystem)], check=True)
    _one_line_error(subprocess.run(build_command(docs, out), cwd=REPO_ROOT, capture_output=True, text=True),
                    "error:", "Read-only file system")
    assert snapshot(out) == before


def test_a_permission_error_on_the_output_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    import errno

    from renderer.build.output import FileWriter
    from renderer.commands.build import main as build_main

    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=3)

    def refused(self, relpath, data):
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), f"{self.root}/{relpath}")

    monkeypatch.setattr(FileWriter, "write", refused)
    assert build_main(["--root", str(docs), "--out", str(out), "--jobs", "1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "Operation not permitted" in line]
    assert line.startswith("FAILED") and "previous site left as it was" in line
    assert not out.exists()


# --- the command line and its summary ------------------------------------------------------


def test_abbreviated_options_are_refused(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=2)
    for option in ("--version", "--vers", "--no-c"):
        result = subprocess.run(build_command(docs, out, option, "X"), cwd=REPO_ROOT, capture_output=True, text=True)
        assert result.returncode == 2 and f"unrecognized arguments: {option}" in result.stderr, result.stderr
    assert not out.exists()


def test_the_summary_of_a_failed_build_is_true(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The note.", pages=3)
    (docs / "content" / "sec" / "p1.md").write_text("---\ntitle: P1\nversions: '*'\n---\n{% if x %}unclosed\n")
    (docs / "content" / "sec" / "p2.md").write_text("---\ntitle: [oops\n---\n")  # does not parse
    (docs / "content" / "index.md").write_text("---\ntitle: Home\nversions: '*'\n---\n{% include nope %}\n")
    result = subprocess.run(build_command(docs, out, "--lenient"), cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    summary = lines[-1]
    assert summary.startswith("FAILED") and "previous site left as it was" in summary
    assert "-" not in summary.split(":", 1)[1], summary  # no negative counts
    # every number is what happened: 4 pages parse (home, sec, p0, p1) in 4 versions; p1 and sec
    # (it lists the broken p2) fail in each
    assert "4 pages, 4 versions, 16 renders (8 rendered, 0 from cache, 8 failed)" in summary, summary
    warnings = [line for line in lines[:-1] if ": warning:" in line]
    errors = [line for line in lines[:-1] if ": error:" in line]
    assert len(warnings) == 1 and "include 'nope'" in warnings[0]  # one line for its 4 versions
    assert len(errors) == 3, result.stderr  # p2's YAML, p1's unclosed tag, sec's link to p2
    assert f"{len(warnings)} warnings, {len(errors)} errors" in summary, result.stderr
    assert "nothing published" in summary and "links not checked" in summary


def test_same_page_anchors_are_checked_in_linear_time(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "_site"
    (docs / "content").mkdir(parents=True)
    (docs / "data").mkdir()
    (docs / "data" / "versions.yml").write_text(VERSIONS_YML)
    headings = "".join(f"## Part {i}\n\n[to {i}](#part-{i})\n\n" for i in range(20000))
    (docs / "content" / "index.md").write_text("---\ntitle: Home\nversions: '*'\n---\n" + headings)
    from test_build_support import run_build

    report = run_build(docs, out)
    assert report.ok and report.broken_links == []
    assert report.timings["link check"] < 3, report.timings


@pytest.mark.parametrize("pages", [3, 120])  # in-process; over 250 renders: a pool of workers runs pagefind
def test_pagefind_runs_biggest_version_first_and_the_versions_share_the_cores(tmp_path, pages):
    from renderer.site.search import pagefind_executable

    log = tmp_path / "pagefind.log"
    wrapper = tmp_path / "pagefind"  # notes its threads and how many pages it indexes, then runs the real one
    wrapper.write_text(f'#!/bin/sh\necho "$RAYON_NUM_THREADS $(find "$2" -name index.html | wc -l)" >> {log}\n'
                       f'exec {pagefind_executable()} "$@"\n')
    wrapper.chmod(0o755)
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "A note.", pages=pages)
    only = "versions:\n  enterprise-server: '<2.21'"  # the last version's index is the biggest
    for i in range(4):
        (docs / "content" / "sec" / f"only{i}.md").write_text(f"---\ntitle: Only {i}\n{only}\n---\nOnly.\n")
    env = {**os.environ, "PAGEFIND_BINARY_PATH": str(wrapper)}
    done = subprocess.run(build_command(docs, out, "--jobs", "2"), cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    runs = [tuple(int(n) for n in line.split()) for line in log.read_text().splitlines()]
    assert [threads for threads, _ in runs] == [1, 1, 1, 1]  # four versions on two cores: a thread each
    assert pages + 6 in [n for _, n in runs[:2]]  # the biggest (2.20, the last version) is in the first two started
    log.unlink()
    (docs / "content" / "sec" / "only0.md").write_text(f"---\ntitle: Only 0\n{only}\n---\nEdited.\n")
    done = subprocess.run(build_command(docs, out, "--jobs", "2"), cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert log.read_text().split() == ["2", str(pages + 6)]  # one version indexed again: it has both cores
    assert (out / "search" / "enterprise-server@2.20" / "pagefind" / "pagefind.js").is_file()


@pytest.mark.parametrize("pages", [3, 120])  # in-process; over 250 renders: a pool of workers runs pagefind
def test_a_failing_pagefind_stops_the_build_with_one_line_and_the_site_stays(tmp_path, pages):
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: out of cheese' >&2\nexit 3\n")
    fake.chmod(0o755)
    docs, out = tmp_path / "docs", tmp_path / "_site"
    make_docs(docs, "The FIRST note.", pages=pages)
    assert subprocess.run(build_command(docs, out), cwd=REPO_ROOT, capture_output=True, timeout=120).returncode == 0
    before = snapshot(out)
    make_docs(docs, "The SECOND note.", pages=pages)  # every page's search record changes
    done = subprocess.run(build_command(docs, out, "--jobs", "2"), cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PAGEFIND_BINARY_PATH": str(fake)})
    assert done.returncode != 0
    assert "search index: pagefind failed (exit 3): Error: out of cheese" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(out) == before  # nothing half-written
    assert staging_folders(out) == [] and not list(tmp_path.glob("._site.scratch-*"))
