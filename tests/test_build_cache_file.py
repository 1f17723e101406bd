"""The build cache and the search store are written a piece at a time (so a build never
holds their whole encoded text): the cache's pieces make exactly the one JSON document,
the store is a line per render."""

from __future__ import annotations

import dataclasses
import json

from test_build_support import make_docs, run_build

from renderer.build import Cache
from renderer.build.cache import FILE_NAME
from renderer.build.cache_shape import to_json
from renderer.build.search_store import FOLDER, decode_record


def test_the_streamed_cache_and_search_store_are_the_documents_one_dump_would_write(tmp_path):
    out = tmp_path / "_site"
    old_urls = "".join(f"  - /old/place-{n}\n" for n in range(100))  # 100 stubs in each version
    page = f"---\ntitle: Moved here\nversions: '*'\nredirect_from:\n{old_urls}---\n\nMoved.\n"
    run_build(make_docs(tmp_path / "docs", {"content/alpha/moved.md": page}), out)
    folder = Cache.folder_for(out)
    cache = Cache.read(folder)
    assert cache is not None and len(cache.redirects) > 256  # more than one piece
    body = (folder / FILE_NAME).read_bytes().partition(b"\n")[2]
    whole = to_json({f.name: getattr(cache, f.name) for f in dataclasses.fields(cache)})
    assert body == json.dumps(whole, separators=(",", ":")).encode("ascii")
    for name, *_stat in cache.search_files.values():
        lines = (folder / FOLDER / name).read_bytes().decode("utf-8").splitlines()[1:]
        relpaths = [json.loads(line.partition("\t")[0]) for line in lines]
        assert relpaths == sorted(relpaths) and len(relpaths) > 3  # a line per render, in relpath order
        assert all(len(decode_record(line.partition("\t")[2])) == 4 for line in lines)
