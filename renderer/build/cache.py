"""The build cache: one JSON file in `.render-cache/<out name>/` beside --out.

It holds page frontmatter, what the redirects and search bundles were made of, and the
token of the build database (build_db.py: a SQLite file with the record of every render,
the digest and stat of every site file and the layout's page shells; search
records are in files of their own, see search_store.py). The file is plain data: a first
line naming the format version and the SHA-256 of the rest, then JSON. One that does not
verify or has the wrong shape is no cache (a full build, with a one-line note saying why).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from renderer.build.build_db import BuildDatabase, TableDamaged
from renderer.build.cache_shape import from_json, shape_problem, to_json
from renderer.build.digests import DepStat, Signature
from renderer.build.options import BuildOptions
from renderer.build.search_store import SearchStore, StoreFile
from renderer.folders import folder_identity
from renderer.model.tree import DocsTree
from renderer.site.layout import directory_digest
from renderer.site.redirects import Redirect

CACHE_FORMAT = 18
MAGIC = b"render-cache json "
FILE_NAME = "index.json"
# engine sub-packages that do not shape the site (editing them keeps the cache)
# data files every page depends on: products, the frontmatter schema, link rules
SITE_WIDE_DATA = ("products.yml", "frontmatter.yml", "link-rules.yml")
NOT_OUTPUT_CODE = frozenset({"commands", "serve", "check", "parity", "lifecycle"})

# relpath -> (digest, frontmatter, body offset, versions, signature, frontmatter digest, frontmatter warnings)
PageEntry = tuple[str, dict, int, tuple[str, ...], Signature | None, str, list[dict]]
FileStat = tuple[int, int, int]  # (size, mtime_ns, inode) of a site file as the build left it


class CacheRejected(Exception):
    """The cache file exists but cannot be used; the message says why (one line)."""


@dataclass
class Cache:
    key: str = ""
    out_id: tuple[int, int] | None = None
    pages: dict[str, PageEntry] = field(default_factory=dict)
    tables_token: str = ""  # the token of the build database's tables (build_db.py)
    chrome_state: str = ""  # digest of what every page's chrome is made of (see plan.chrome_state)
    dep_stats: dict[str, DepStat] = field(default_factory=dict)
    stubs_key: str = ""  # digest of what the redirect stubs are made of
    redirects: dict[str, Redirect] = field(default_factory=dict)  # the site's table
    unwritable: dict[str, str] = field(default_factory=dict)  # redirect keys whose stub clashes -> that file
    search_keys: dict[str, str] = field(default_factory=dict)  # version -> digest of its search entries
    spare_id: tuple[int, int] | None = None  # (device, inode) of the spare site (commit.py), if one was kept
    spare_stale: list[str] = field(default_factory=list)  # site files where the spare differs from the site
    search_files: dict[str, StoreFile] = field(default_factory=dict)  # version -> its search records' file

    @staticmethod
    def folder_for(out: Path) -> Path:
        return out.parent / ".render-cache" / out.name

    @classmethod
    def load(cls, folder: Path, key: str, out: Path) -> Cache | None:
        """The cache, if it belongs to this tree, code and the site now at `out`.
        Raises CacheRejected for a cache file that is damaged or of another format."""
        if (folder / "APPLYING").exists():
            return None  # a commit was interrupted: the site may not match the manifest
        cache = cls.read(folder)
        if cache is None or cache.key != key:
            return None
        if cache.out_id != folder_identity(out):
            return None  # the site was replaced or removed by someone else
        try:
            token = BuildDatabase.token_of(folder)
        except TableDamaged as why:
            raise CacheRejected(str(why)) from None
        if token != cache.tables_token:
            return None  # the records of renders and files are gone, or another build's
        if not SearchStore(folder, cache.search_files).is_intact():
            return None  # the search records of the site's bundles are gone
        return cache

    @classmethod
    def read(cls, folder: Path) -> Cache | None:
        """The cache as stored (None when there is none); CacheRejected when unusable."""
        try:
            raw = (folder / FILE_NAME).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise CacheRejected(f"cannot read it: {err.strerror}") from None
        return cls.decode(raw)

    @classmethod
    def decode(cls, raw: bytes) -> Cache:
        header, newline, body = raw.partition(b"\n")
        if not newline or not header.startswith(MAGIC):
            raise CacheRejected("not a render cache file")
        version, _, digest = header[len(MAGIC):].decode("ascii", "replace").partition(" sha256=")
        if version != f"v{CACHE_FORMAT}":
            raise CacheRejected(f"format {version}, not v{CACHE_FORMAT}")
        if hashlib.sha256(body).hexdigest() != digest:
            raise CacheRejected("its checksum does not match (damaged or edited)")
        with _no_collection():
            try:
                data = json.loads(body)
            except ValueError:
                raise CacheRejected("not valid JSON") from None
            problem = shape_problem(data)
            if problem:
                raise CacheRejected(f"unexpected content ({problem})")
            return cls(**from_json(data))

    def _pieces(self) -> Iterator[bytes]:
        """The JSON body in pieces: a field at a time, the long ones a few hundred items at a time (the
        whole is tens of MB; a build holding it at once would need that much more memory)."""
        names = [f.name for f in dataclasses.fields(self)]
        with _no_collection():
            for i, name in enumerate(names):
                data = to_json({name: getattr(self, name)})[name]
                yield f'{"{" if i == 0 else ","}"{name}":'.encode("ascii")
                yield from _in_pieces(data) if type(data) in (list, dict) else [_dumps(data)]
        yield b"}"

    def save(self, folder: Path) -> None:
        """Write the cache file in one pass: a header of a fixed width is written last,
        once the digest of what follows it is known."""
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".index.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(b" " * len(_header("0" * 64)))
                digest = hashlib.sha256()
                for piece in self._pieces():
                    digest.update(piece)
                    f.write(piece)
                f.seek(0)
                f.write(_header(digest.hexdigest()))
            os.replace(tmp, folder / FILE_NAME)
        except BaseException:
            unlink_quietly(tmp)
            raise
        unlink_quietly(folder / "index.bin")  # the format before v12 (marshal or pickle)


def _header(digest: str) -> bytes:
    return MAGIC + f"v{CACHE_FORMAT} sha256={digest}\n".encode("ascii")


def _dumps(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":"), check_circular=False, allow_nan=False).encode("ascii")


def _in_pieces(data: list | dict) -> Iterator[bytes]:
    """A JSON list or object, a few hundred items per piece (the same bytes as one dump)."""
    parts: Iterator[object]
    if isinstance(data, dict):  # (a slice of its items at a time: no copy of the whole)
        items = iter(data.items())
        parts, opening, closing = iter(lambda: dict(itertools.islice(items, 256)), {}), b"{", b"}"
    else:
        parts, opening, closing = (data[s:s + 256] for s in range(0, len(data), 256)), b"[", b"]"
    yield opening
    for number, part in enumerate(parts):
        yield (b"," if number else b"") + _dumps(part)[1:-1]
    yield closing


@contextlib.contextmanager
def _no_collection():
    """Millions of small objects are made here, none of them garbage: a garbage collection
    meanwhile (it walks every object of the build) would only cost time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def code_key(options: BuildOptions, tree: DocsTree, site_dir: Path) -> str:
    """What every render depends on: engine code, site templates, version model, options."""
    digest = hashlib.sha1(f"format {CACHE_FORMAT}\0{sys.version}\0{tree.root}\0{options.lenient}\0{options.base_url}\0"
                           f"{options.redirects}\0".encode())
    package = Path(__file__).resolve().parents[1]
    for file in sorted(package.rglob("*.py")):
        relative = file.relative_to(package)
        if relative.parts[0] not in NOT_OUTPUT_CODE:
            digest.update(relative.as_posix().encode() + b"\0" + file.read_bytes())
    digest.update(directory_digest(site_dir).encode())
    versions_file = tree.versions_file
    digest.update(versions_file.read_bytes() if versions_file else b"<defaults>")
    for name in SITE_WIDE_DATA:
        file = tree.root / "data" / name
        digest.update(name.encode() + b"\0" + (file.read_bytes() if file.is_file() else b"") + b"\0")
    return digest.hexdigest()
