"""The spare site: an incremental build stages into the site the previous build replaced,
in proportion to what changed, and never writes through a hard link into the live site."""

from __future__ import annotations

import os
from pathlib import Path

from test_build_support import V21, make_docs, read, run_build, tree_digest

from renderer.build import Cache
from renderer.build.commit import spare_path

PLATFORMS = f"en/{V21}/alpha/getting-started/platforms/index.html"


def edit_note(root: Path, old: str, new: str) -> None:
    reusable = root / "reusables/alpha/shared-note.md"
    reusable.write_text(reusable.read_text().replace(old, new))


def clean_digest(root: Path, tmp_path: Path, name: str) -> dict[str, str]:
    clean = tmp_path / name / "_site"
    assert run_build(root, clean, use_cache=False).ok
    return tree_digest(clean)


def site_with_a_spare(tmp_path: Path) -> tuple[Path, Path]:
    """A docs tree and its site after a full build and an incremental one (which kept a spare)."""
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    edit_note(root, "Shared note", "Second note")
    assert run_build(root, out).ok
    return root, out


def test_incremental_builds_keep_and_reuse_the_spare(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    assert not spare_path(out).exists()  # a full build keeps no spare: every file is new
    edit_note(root, "Shared note", "Second note")
    assert run_build(root, out).ok  # hard-links every kept file; the site it replaced is the spare
    spare = spare_path(out)
    assert "Shared note about" in (spare / PLATFORMS).read_text()
    assert os.stat(spare / "404.html").st_ino == os.stat(out / "404.html").st_ino  # shared, not copied
    cache = Cache.read(Cache.folder_for(out))
    assert cache is not None and PLATFORMS in cache.spare_stale and "404.html" not in cache.spare_stale

    edit_note(root, "Second note", "Third note")
    report = run_build(root, out)  # stages in the spare: the file it rewrites was linked to the live one
    assert report.ok and report.mode == "incremental"
    assert "Third note about" in read(out, f"/en/{V21}/alpha/getting-started/platforms/")
    assert "Second note about" in (spare_path(out) / PLATFORMS).read_text()  # the replaced site, untouched
    assert tree_digest(out) == clean_digest(root, tmp_path, "clean")


def test_pages_added_and_removed_through_the_spare(tmp_path):
    root, out = site_with_a_spare(tmp_path)
    first_steps = root / "content/alpha/getting-started/first-steps.md"
    kept_text = first_steps.read_text()
    first_steps.unlink()  # removed (its folder keeps other pages) ...
    index = root / "content/alpha/getting-started/index.md"
    listed = index.read_text()
    index.write_text(listed.replace("    {% link_in_list /first-steps %}\n", ""))
    assert run_build(root, out).ok
    assert not (out / f"en/{V21}/alpha/getting-started/first-steps").exists()  # its file and folder
    assert tree_digest(out) == clean_digest(root, tmp_path, "without")
    first_steps.write_text(kept_text)  # ... and back: the spare still had the file from two builds ago
    index.write_text(listed)
    assert run_build(root, out).ok
    assert tree_digest(out) == clean_digest(root, tmp_path, "with")


def test_a_spare_that_was_moved_or_left_half_updated_is_not_used(tmp_path):
    root, out = site_with_a_spare(tmp_path)
    spare = spare_path(out)
    (spare / "404.html").unlink()
    os.rename(spare, tmp_path / "elsewhere")  # a folder of the same name, but not the spare the cache knows
    (tmp_path / "elsewhere").rename(tmp_path / "moved")
    os.mkdir(spare)
    (spare / "stray.html").write_text("not the build's")
    edit_note(root, "Second note", "Third note")
    assert run_build(root, out).ok
    assert tree_digest(out) == clean_digest(root, tmp_path, "clean")
    assert not (out / "stray.html").exists()
    # a build killed while it updates the spare leaves it as a staging folder, not as the spare
    edit_note(root, "Third note", "Fourth note")
    os.rename(spare_path(out), out.parent / f".{out.name}.build-99999-spare")
    assert run_build(root, out).ok
    assert not (out.parent / f".{out.name}.build-99999-spare").exists()
    assert tree_digest(out) == clean_digest(root, tmp_path, "clean2")
