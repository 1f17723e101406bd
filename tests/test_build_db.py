"""The records of renders and site files live in a SQLite file in the cache folder, one
transaction per build: a failed or killed build leaves the tables the last cache names, a
damaged record is rendered again, a damaged or forged file means a full build and a note."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from test_build_support import FPT, V22, built, make_docs, run_build, tree_digest

from renderer.build import BuildFailed, Cache, build_db
from renderer.build.build_db import FILE_NAME, BuildDatabase, TableDamaged
from renderer.build.record_table import RecordTable
from renderer.build.records import FROM_WORKER
from renderer.errors import RenderError

DEEP = ("alpha/advanced/deep.md", FPT)


def forge(out, *statements: str) -> None:
    """Run SQL of someone else's on the database of the site at `out`."""
    db = sqlite3.connect(Cache.folder_for(out) / FILE_NAME)
    with db:
        for statement in statements:
            db.execute(statement)
    db.close()


def rows(folder) -> dict[tuple[str, str], dict]:
    """The committed records of a cache folder, by (relpath, version)."""
    with BuildDatabase(folder, BuildDatabase.token_of(folder)) as db:
        table = RecordTable(db)
        return {key: table.get(key) for key in table.keys()}


def test_a_build_commits_a_row_per_render_and_the_cache_names_the_table(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    report = run_build(root, out)
    folder = Cache.folder_for(out)
    cache = Cache.read(folder)
    assert cache is not None and cache.tables_token == BuildDatabase.token_of(folder)
    stored = rows(folder)
    assert len(stored) == report.renders and stored[DEEP] is not None
    assert stored[DEEP]["title"] and stored[DEEP]["links_checked"]  # the link check's results are in it too
    (root / "content/alpha/advanced/deep.md").unlink()
    assert run_build(root, out).mode == "incremental"
    assert DEEP not in rows(folder) and len(rows(folder)) == report.renders - 2  # (FPT and 2.22)


def test_the_build_completes_every_workers_link_check(tmp_path):
    root, out = built(tmp_path)
    stored = rows(Cache.folder_for(out))
    assert all(r["links_checked"] not in ("", FROM_WORKER) for r in stored.values())
    # a link to another render's #anchor is stored with the digest of its target's ids
    first_steps = ("alpha/getting-started/first-steps.md", FPT)
    assert stored[first_steps]["anchor_targets"] == [[DEEP[0], FPT, stored[DEEP]["ids_digest"]]]


def test_a_forged_worker_result_naming_a_render_the_site_lacks_is_checked_again(tmp_path):
    root, out = built(tmp_path)
    (root / "content/alpha/advanced/deep.md").write_text(
        (root / "content/alpha/advanced/deep.md").read_text() + "\nSee [gone](/alpha/nowhere).\n")
    expected = {(p.file, p.line, p.message) for p in run_build(root, out).broken_links}
    assert expected
    links = json.dumps([FROM_WORKER, [], [["no/such.md", FPT, "/en/x#y", "content/x.md", 1, 1]]])
    forge(out, f"UPDATE renders SET links = '{links}' WHERE relpath = '{DEEP[0]}'")
    (root / "content/alpha/index.md").write_text((root / "content/alpha/index.md").read_text() + "\nMore.\n")
    report = run_build(root, out)  # (an edit elsewhere: deep.md is not rendered again)
    assert report.mode == "incremental" and DEEP not in report.rendered_keys
    assert {(p.file, p.line, p.message) for p in report.broken_links} == expected


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_failed_build_leaves_the_table_the_cache_names(tmp_path, use_cache):
    root, out = built(tmp_path)
    folder = Cache.folder_for(out)
    token, before = BuildDatabase.token_of(folder), rows(folder)
    deep = root / "content/alpha/advanced/deep.md"
    text = deep.read_text()
    deep.write_text(text.replace("xylophone", "{% data variables.no.such %}"))
    with pytest.raises(BuildFailed):
        run_build(root, out, use_cache=use_cache)
    assert BuildDatabase.token_of(folder) == token and rows(folder) == before  # rolled back
    deep.write_text(text.replace("xylophone", "marimba"))
    report = run_build(root, out)
    assert report.mode == "incremental" and report.rendered == 2  # deep.md in FPT and 2.22


def test_a_killed_build_is_rolled_back_by_the_next_one(tmp_path):
    root, out = built(tmp_path)
    folder = Cache.folder_for(out)
    before = rows(folder)
    killed = ("import os, sys\nfrom pathlib import Path\nfrom renderer.build.build_db import BuildDatabase\n"
              "from renderer.build.record_table import RecordTable\nfolder = Path(sys.argv[1])\n"
              "db = BuildDatabase(folder, BuildDatabase.token_of(folder))\ntable = RecordTable(db)\n"
              "for key in list(table.keys())[:3]:\n    table.delete(key)\n"
              "db.db.execute('PRAGMA cache_size = 1')  # (so the deletions reach the file)\n"
              "for key in list(table.keys()):\n    table.put(key, {**table.get(key), 'title': 'x' * 5000})\n"
              "os._exit(9)\n")
    subprocess.run([sys.executable, "-c", killed, str(folder)], check=False)
    assert (folder / f"{FILE_NAME}-journal").exists()  # what the killed build changed, to undo
    assert rows(folder) == before
    assert run_build(root, out).mode == "incremental"


def test_a_row_of_another_shape_is_rendered_again(tmp_path):
    root, out = built(tmp_path)
    before = tree_digest(out)
    forge(out, f"UPDATE renders SET record = '{{\"title\": 1}}' WHERE relpath = '{DEEP[0]}' AND version = '{FPT}'",
          f"UPDATE renders SET record = 'not json' WHERE relpath = '{DEEP[0]}' AND version = '{V22}'")
    report = run_build(root, out)
    assert report.mode == "incremental" and report.rendered == 2
    assert tree_digest(out) == before


def test_a_damaged_table_file_means_a_full_build_and_a_note(tmp_path, capsys):
    root, out = built(tmp_path)
    folder = Cache.folder_for(out)
    (folder / FILE_NAME).write_bytes(b"SQLite format 3\0" + b"\x07" * 5000)
    with pytest.raises(TableDamaged, match=FILE_NAME):
        BuildDatabase.token_of(folder)
    report = run_build(root, out)
    assert report.mode == "full" and report.ok
    assert any(FILE_NAME in note and "not used" in note for note in report.notes), report.notes
    assert run_build(root, out).mode == "incremental"  # the table it wrote instead


def test_a_site_file_outside_the_site_is_never_touched(tmp_path):
    root, out = built(tmp_path)
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    # a forged row: the next build would unlink or link it as a file the site no longer has
    forge(out, "INSERT INTO files VALUES ('en/../../precious.txt', 'x', 7, 0, 0)")
    with pytest.raises(TableDamaged, match="outside the site"):
        BuildDatabase.token_of(Cache.folder_for(out))
    report = run_build(root, out)
    assert report.mode == "full" and any("outside the site" in note for note in report.notes), report.notes
    assert outside.read_text() == "keep me"


def test_the_tables_hold_every_site_file_with_its_stat(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    report = run_build(root, out)
    db = sqlite3.connect(Cache.folder_for(out) / FILE_NAME)
    files = {path: (size, inode) for path, size, inode in db.execute("SELECT path, size, inode FROM files")}
    db.close()
    on_disk = {path: ((out / path).stat().st_size, (out / path).stat().st_ino) for path in tree_digest(out)}
    assert files == on_disk and len(files) == report.files


def test_a_table_file_with_a_trigger_is_not_used(tmp_path):
    root, out = built(tmp_path)
    forge(out, "CREATE TRIGGER spy AFTER INSERT ON renders BEGIN DELETE FROM files; END",  # on every change
          'CREATE VIEW "odd ""name" AS SELECT 1')
    report = run_build(root, out)
    assert report.mode == "full" and any("trigger" in note for note in report.notes), report.notes
    assert run_build(root, out).mode == "incremental"


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_build_sharing_the_cache_folder_of_a_running_one_stops_and_leaves_it(tmp_path, monkeypatch, use_cache):
    monkeypatch.setattr(build_db, "LOCK_WAIT_SECONDS", 0.05)
    root = make_docs(tmp_path / "docs")
    cache_dir = tmp_path / "cache"
    assert run_build(root, tmp_path / "a" / "_site", cache_dir=cache_dir).ok
    other = sqlite3.connect(cache_dir / FILE_NAME, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # a build into another --out, with the same --cache-dir, holds it
    try:
        with pytest.raises(RenderError, match="another build is using the build cache"):
            run_build(root, tmp_path / "b" / "_site", cache_dir=cache_dir, use_cache=use_cache)
    finally:
        other.rollback()
        other.close()
    assert (cache_dir / FILE_NAME).exists() and rows(cache_dir)  # not removed, not emptied


def test_page_shells_are_kept_in_the_database_and_a_damaged_one_is_made_again(tmp_path, monkeypatch):
    from renderer.build.shell_table import ShellTable
    from renderer.site import layout

    root, out = built(tmp_path)
    folder = Cache.folder_for(out)
    with BuildDatabase(folder, BuildDatabase.token_of(folder)) as db:
        kept = ShellTable(db).all()
    assert kept and all(type(shape) is tuple for shape in kept)
    assert "shells" not in json.loads((folder / "index.json").read_bytes().split(b"\n", 1)[1])
    made: list[str] = []
    real_parse = layout.parse_shell
    monkeypatch.setattr(layout, "parse_shell", lambda text: (made.append(text), real_parse(text))[1])
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text().replace("xylophone", "marimba"))
    again = run_build(root, out)
    assert again.mode == "incremental" and DEEP in again.rendered_keys and made == []  # the shells came from the table
    forge(out, """UPDATE shells SET shell = '["<html>", [-1, true]]'""", "UPDATE shells SET shape = 'not JSON' WHERE rowid = 1")
    deep.write_text(deep.read_text().replace("marimba", "xylophone"))
    third = run_build(root, out)
    assert third.ok and third.mode == "incremental" and made  # none usable: made again
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)
