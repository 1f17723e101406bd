"""Pages: frontmatter parsing and validation, and the content tree of a docs root."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import yaml

from renderer.errors import RenderError, error_at
from renderer.model.frontmatter import DEFAULT_SCHEMA, FrontmatterSchema
from renderer.model.safe_yaml import load_yaml
from renderer.model.versions import VersionModel

FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:(?<=\n)|\n)---[ \t]*(?:\r?\n|\Z)", re.S)  # (?<=\n): empty frontmatter
OPENING = re.compile(r"\A---[ \t]*(?:\r?\n|\Z)")
MAX_FRONTMATTER_BYTES = 64 * 1024


@dataclass
class Page:
    """One Markdown source file under content/."""

    relpath: str  # relative to content/, e.g. "actions/index.md"
    file: str  # path shown in errors, relative to the docs root
    text: str  # whole file text
    frontmatter: dict
    body_offset: int  # index in `text` where the body starts
    versions: list[str] = field(default_factory=list)
    warnings: list[RenderError] = field(default_factory=list)  # e.g. fields the schema does not know

    @property
    def body(self) -> str:
        """The text after the frontmatter: sliced when asked, so a page holds its text once."""
        return self.text[self.body_offset:]

    def forget_text(self, file: str) -> None:
        """Let go of the text: it is read again from `file` each time it is asked for (the
        build process, once workers have rendered the pages, needs it only to locate errors)."""
        self.__dict__.pop("text", None)
        self.__dict__.pop("_deferred", None)  # (read again each time, not kept)
        self.__dict__["_text_file"] = file

    def defer_text(self, file: str, digest: str, digest_of: Callable[[bytes], str]) -> None:
        """Let go of the text until it is next asked for; then it is read from `file` once and
        kept (the forked workers of a build read the pages they render; the build process
        need not hold them all meanwhile). A file whose digest is no longer `digest` changed
        during the build: asking for its text raises a RenderError."""
        self.__dict__.pop("text", None)
        self.__dict__["_deferred"] = (file, digest, digest_of)

    def __getattr__(self, name: str):  # (only called for attributes the page does not have)
        if name == "text" and "_deferred" in self.__dict__:
            file, digest, digest_of = self.__dict__["_deferred"]
            try:
                with open(file, "rb") as opened:
                    data = opened.read()
            except OSError:
                data = b""
            if digest_of(data) != digest:
                raise RenderError("the file changed while the site was being built; build again",
                                  file=self.file, line=1, column=1)
            self.text = data.decode("utf-8")  # (decoded once before: the same bytes)
            del self.__dict__["_deferred"]
            return self.text
        if name == "text" and "_text_file" in self.__dict__:
            with open(self.__dict__["_text_file"], encoding="utf-8") as opened:
                return opened.read()
        raise AttributeError(name)

    @cached_property  # (one str per page: every URL of the page, in every version, starts from it)
    def permalink_path(self) -> str:
        """URL path without language/version: 'actions/index.md' -> 'actions'."""
        return path_from_relpath(self.relpath)

    @property
    def title(self) -> str:
        return self.frontmatter["title"]

    @property
    def is_map_topic(self) -> bool:
        return bool(self.frontmatter.get("mapTopic"))

    def value_offset(self, key: str) -> int:
        """Index in the file text where frontmatter field `key`'s value starts (best effort).

        Liquid in a field (`title: 'Using {% data ... %}'`) is located from here, so its
        errors point into the frontmatter line that holds it.
        """
        end = self.body_offset
        m = _field_pattern(key).search(self.text, 0, end)
        if not m:
            return 0
        value = self.frontmatter.get(key)
        if isinstance(value, str) and value:
            exact = self.text.find(value, m.end(), end)
            if 0 <= exact - m.end() <= 1:  # plain, or just after the opening quote
                return exact
        return m.end() + (1 if self.text[m.end() : min(m.end() + 1, end)] in ("'", '"') else 0)

    @property
    def redirect_from(self) -> list[str]:
        value = self.frontmatter.get("redirect_from") or []
        return [value] if isinstance(value, str) else [str(v) for v in value]


def _field_pattern(key: str) -> re.Pattern[str]:
    """`key:` at the start of a frontmatter line (re caches the compiled patterns)."""
    return re.compile(rf"^{re.escape(key)}[ \t]*:[ \t]*", re.M)


def path_from_relpath(relpath: str) -> str:
    path = relpath[:-3] if relpath.endswith(".md") else relpath
    if path == "index":
        return ""
    return path[: -len("/index")] if path.endswith("/index") else path


# Characters a page's path may not hold: it becomes a URL and a folder of the built site,
# and is written into href attributes, the sitemap and redirect stubs.
URL_UNSAFE = frozenset('"<>\\^`{|}#?%')


# control and format characters (CR, LF, bidi overrides), lone surrogates (bytes that are
# no UTF-8), private use, line and paragraph separators
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def _unsafe_char(char: str) -> bool:
    if char in URL_UNSAFE or (char.isspace() and char != " "):  # U+0020 is the one space allowed
        return True
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def printable_path(path: str) -> str:
    """A path for messages: unsafe characters as escapes, so one line stays one line."""
    if not any(_unsafe_char(c) for c in path):
        return path
    return "".join(c.encode("unicode_escape", "backslashreplace").decode("ascii") if _unsafe_char(c) and c not in URL_UNSAFE
                   else c for c in path)


# The ASCII characters _unsafe_char refuses: URL_UNSAFE and the controls (every ASCII
# space but U+0020 is one), so an ASCII path is checked with one search.
_UNSAFE_ASCII = re.compile("[\x00-\x1f\x7f" + re.escape("".join(sorted(URL_UNSAFE))) + "]")


def page_path_problem(relpath: str) -> str | None:
    """Why a page file's path cannot be published, or None."""
    if relpath.isascii() and not _UNSAFE_ASCII.search(relpath):
        return None
    bad = sorted({c for c in relpath if _unsafe_char(c)})
    if not bad:
        return None
    shown = ", ".join(repr(c) if c.isprintable() else printable_path(c) for c in bad)
    return (f"the file name holds characters a page URL cannot ({shown}); rename it with letters, digits, "
            "'-', '_' and '.'")


def parse_page(relpath: str, file: str, text: str, model: VersionModel, *, lenient: bool = False,
               schema: FrontmatterSchema = DEFAULT_SCHEMA) -> Page:
    """Split and validate frontmatter; raises RenderError located in the file."""
    match = FRONTMATTER.match(text)
    if not match and OPENING.match(text):
        raise RenderError("frontmatter is not closed: no '---' line ends the block opened here", file=file, line=1, column=1)
    if not match:
        raise RenderError("missing YAML frontmatter (the file must start with a '---' line)", file=file, line=1, column=1)
    raw = match.group(1)
    if len(raw) > MAX_FRONTMATTER_BYTES:
        raise RenderError(f"frontmatter larger than {MAX_FRONTMATTER_BYTES} bytes", file=file, line=1, column=1)
    data = _load_yaml(raw, file, text, offset=match.start(1))
    page = Page(relpath, file, text, data, match.end())
    _validate(page, model, lenient, schema)
    _validate_redirects(page)
    versions = data["versions"]
    page.versions = model.ids if versions == "*" else model.applicable(versions)
    return page


# Where an alias can start: a `*` opening the text or after a space, `[`, `{`, `,` or `:`
# (so `versions: '*'` holds none). A text without one is not parsed for aliases.
_ALIAS_CANDIDATE = re.compile(r"(?:^|[\s\[{,:])\*")


def _first_alias_index(raw: str) -> int | None:
    """Index of the first YAML alias (`*name`) in `raw`, or None."""
    if not _ALIAS_CANDIDATE.search(raw):
        return None
    try:
        for event in yaml.parse(raw, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                return event.start_mark.index
    except yaml.YAMLError:
        return None  # reported with its position by the real load below
    return None


def _load_yaml(raw: str, file: str, text: str, offset: int) -> dict:
    # Frontmatter never needs aliases; refusing them stops "billion laughs" bombs early.
    alias = _first_alias_index(raw)
    if alias is not None:
        raise error_at("YAML aliases are not allowed in frontmatter", file=file, file_text=text, index=offset + alias)
    data = load_yaml(raw, file, what="YAML frontmatter", file_text=text, offset=offset, without_aliases=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise error_at("frontmatter must be a YAML mapping", file=file, file_text=text, index=offset)
    return data


def _field_index(page: Page, key: str) -> int:
    m = re.search(rf"^{re.escape(key)}\s*:", page.text[: page.body_offset], re.M)
    return m.start() if m else 0


def _validate(page: Page, model: VersionModel, lenient: bool = False, schema: FrontmatterSchema = DEFAULT_SCHEMA) -> None:
    data = page.frontmatter

    def fail(key: str, message: str) -> None:
        raise error_at(message, file=page.file, file_text=page.text, index=_field_index(page, key), length=len(key))

    problem = schema.first_error(data)
    if problem:
        fail(*problem)
    for key, message in schema.unknown(data):
        warning = error_at(message, file=page.file, file_text=page.text, index=_field_index(page, key), length=len(key))
        warning.severity = "warning"
        page.warnings.append(warning)
    versions = data["versions"]
    if isinstance(versions, str):
        if versions != "*":
            fail("versions", "`versions` must be '*' or a mapping of plan to range")
        return
    _check_range_types(page, versions)
    for plan, spec in versions.items():
        key_problem = model.versions_key_problem(str(plan), spec, lenient)  # plan, short name or `feature`
        if key_problem:
            fail("versions", key_problem)



_ASCII_CONTROL = re.compile("[\x00-\x1f\x7f]")  # the ASCII characters of categories Cc, Cf, Zl and Zp


def _validate_redirects(page: Page) -> None:
    """`redirect_from` entries become stub folders and Location headers: no control characters."""
    value = page.frontmatter.get("redirect_from")
    for entry in [value] if isinstance(value, str) else value or []:
        text = str(entry)
        if text.isascii() and not _ASCII_CONTROL.search(text):
            continue
        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text):
            raise error_at(f"`redirect_from` entry {printable_path(text)!r} holds control characters",
                           file=page.file, file_text=page.text, index=_field_index(page, "redirect_from"),
                           length=len("redirect_from"))


def _check_range_types(page: Page, versions: dict) -> None:
    """A plan's range is a string: `free-pro-team: 5` is a mistake, not the range '5'."""
    for plan, spec in versions.items():
        if plan != "feature" and not isinstance(spec, str):  # `feature:` names features (a name or a list)
            start = _field_index(page, "versions")
            at = re.compile(rf"^[ \t]+({re.escape(str(plan))})[ \t]*:", re.M).search(page.text, start, page.body_offset)
            kind = "empty" if spec is None else type(spec).__name__
            raise error_at(f"the range for plan `{plan}` must be a string such as '*' or '>=2.22', got {kind} {spec!r}",
                           file=page.file, file_text=page.text, index=at.start(1) if at else start, length=len(str(plan)))
