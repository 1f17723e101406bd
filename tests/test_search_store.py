"""Search records live in the search store, not in the build cache or the build's memory:
read only for versions whose bundle is made again, checked like the cache."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from test_build_support import FPT, V21, V22, make_docs, run_build, tree_digest

from renderer.build import Cache
from renderer.build.build_db import BuildDatabase
from renderer.build.record_table import RecordTable
from renderer.build.search_store import (
    FOLDER,
    MAGIC,
    RecordLines,
    SearchSpool,
    SearchStore,
    SpooledLines,
    SpoolWriter,
    decode_record,
    encode_record,
    parse_lines,
)
from renderer.errors import RenderError
from renderer.site.search import bundle_pages, read_bundle


def texts(lines: RecordLines | SpooledLines) -> dict[str, str]:
    """relpath -> record text of every line (and the lines closed)."""
    relpaths = lines.where if isinstance(lines, RecordLines) else {r for file in lines.files for r in file.where}
    try:
        return parse_lines(lines.line(relpath).decode("utf-8") for relpath in relpaths)
    finally:
        lines.close()


def store_files(out: Path) -> list[Path]:
    return sorted((Cache.folder_for(out) / FOLDER).iterdir())


def test_the_cache_keeps_no_search_records_and_the_store_one_file_per_version(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    cache = Cache.read(Cache.folder_for(out))
    assert cache is not None
    with BuildDatabase(Cache.folder_for(out), cache.tables_token) as db:
        table = RecordTable(db)
        records = [table.get(key) for key in table.keys()]
    assert len(records) > 10 and all(record is not None and "search" not in record for record in records)
    assert sorted(cache.search_files) == sorted([FPT, V22, V21])
    assert len(store_files(out)) == 3  # no spool left behind
    assert not list(tmp_path.glob("._site.scratch-*"))  # (the workers' spools were in the scratch folder)
    store = SearchStore(Cache.folder_for(out), cache.search_files)
    titles = {decode_record(text)[0] for text in texts(store.lines(V21)).values()}
    assert "Basics" in titles


def test_only_versions_whose_search_changed_read_the_store(tmp_path, monkeypatch):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    read: list[str] = []
    real_read = SearchStore.lines
    monkeypatch.setattr(SearchStore, "lines", lambda self, version: (read.append(version), real_read(self, version))[1])
    only_latest = root / "content/alpha/getting-started/only-latest.md"
    only_latest.write_text(only_latest.read_text() + "\nA new word: quokka.\n")
    assert run_build(root, out).ok
    assert read == [FPT]  # its other pages' records come from the store
    urls = {p["url"]: p["content"] for p in bundle_pages(read_bundle(out, FPT))}
    assert any("quokka" in text for text in urls.values())
    assert len(urls) > 5  # and the pages that were not rendered again are still in the bundle
    assert len(store_files(out)) == 3  # the replaced file of that version is gone
    clean = tmp_path / "clean" / "_site"
    assert run_build(root, clean, use_cache=False).ok
    assert tree_digest(out) == tree_digest(clean)


def test_a_missing_store_file_means_a_full_build_and_a_damaged_one_a_clear_error(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    store_files(out)[0].unlink()
    note = root / "content/alpha/getting-started/only-latest.md"
    note.write_text(note.read_text() + "\nMore.\n")
    assert run_build(root, out).mode == "full"
    # same size, same mtime, other bytes: the stat matches, the checksum does not
    victim = store_files(out)[0]
    data = bytearray(victim.read_bytes())
    stat = victim.stat()
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    victim.write_bytes(bytes(data))
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    for relpath in ("content/alpha/index.md", "content/beta/index.md"):  # a change in every version
        page = root / relpath
        page.write_text(page.read_text() + "\nChanged.\n")
    with pytest.raises(RenderError) as raised:
        run_build(root, out)
    message = str(raised.value)
    assert "search records" in message and "damaged" in message and "--no-cache" in message


def test_the_spool_gives_back_one_version_at_a_time_from_every_workers_files_and_leaves_no_file(tmp_path):
    first, second = SpoolWriter(tmp_path), SpoolWriter(tmp_path)  # two workers
    a1 = ["A", "/en/v1/a/", "", "text of a in v1, with a\ttab and a\nnew line"]
    first.add(("a.md", "v1"), encode_record(a1))
    first.add(("b.md", "v2"), encode_record(["B", "/en/v2/b/", "", "text of b in v2"]))
    second.add(("a.md", "v2"), encode_record(["A", "/en/v2/a/", "intro", "text of a in v2"]))
    spool = SearchSpool(tmp_path)
    spool.take(first.flush())
    spool.take(second.flush())
    spool.take(first.flush())  # (a worker names its files after every task)
    assert {relpath: decode_record(text) for relpath, text in texts(spool.lines("v1")).items()} == {"a.md": a1}
    assert sorted(texts(spool.lines("v2"))) == ["a.md", "b.md"]
    assert texts(spool.lines("v3")) == {}
    first.close()
    second.close()
    spool.close()
    spool.close()  # the build closes it twice on some paths
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".spool-")]


@pytest.mark.parametrize("name", ["../.spool-x.jsonl", "/etc/passwd", "index.json", ".spool-x.json"])
def test_a_spool_file_named_outside_the_scratch_folder_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="outside the scratch folder"):
        SearchSpool(tmp_path).take([("v", name)])


def test_a_store_file_with_the_right_checksum_but_no_records_is_a_clear_error(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    victim = store_files(out)[0]
    lines = victim.read_bytes().splitlines()[1:]  # every render's line, its record replaced
    body = b"".join(line.partition(b"\t")[0] + b'\t{"not": "a record"}\n' for line in lines)  # valid JSON, wrong shape
    victim.write_bytes(MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    cache = Cache.read(Cache.folder_for(out))
    assert cache is not None
    name = victim.name
    version = next(v for v, entry in cache.search_files.items() if entry[0] == name)
    st = victim.stat()
    cache.search_files[version] = (name, st.st_size, st.st_mtime_ns, st.st_ino)  # as if the build had written it
    cache.save(Cache.folder_for(out))
    for relpath in ("content/alpha/index.md", "content/beta/index.md"):  # a change in every version
        page = root / relpath
        page.write_text(page.read_text() + "\nChanged.\n")
    with pytest.raises(RenderError) as raised:
        run_build(root, out)
    assert "search records" in str(raised.value) and "--no-cache" in str(raised.value)


def test_records_holding_other_line_separators_come_back_whole(tmp_path):
    record = ["Title", "/en/v/a/", "", "a line\u2028separator, a \x85 next line and a \r return"]
    writer = SpoolWriter(tmp_path)
    writer.add(("a.md", "v"), encode_record(record))
    spool = SearchSpool(tmp_path)
    spool.take(writer.flush())
    store = SearchStore(tmp_path, {})
    spooled = spool.lines("v")
    store.write("v", [spooled.line("a.md")])
    spooled.close()
    spool.close()
    assert {relpath: decode_record(text) for relpath, text in texts(store.lines("v")).items()} == {"a.md": record}
