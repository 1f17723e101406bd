"""The corpus multiplied for bench_scale.py: tree xN is the corpus plus N-1 copies of each
real product, whose links, redirects, link rules and product list point into the copy, and
whose every page names its copy (so no cache or dedup can share work between copies)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from renderer.markdown.link_rules import DEFAULT_LINK_RULES_YAML
from renderer.model.versions import load_version_model

# --- multiplying the tree ---------------------------------------------------------------

# A local URL path; a Liquid output (`{{ currentVersion }}`) may stand for one segment.
PATH = r"/(?:\{\{[^}]*\}\}|[^\s()\[\]<>\"'#?{}|])*"
MARKDOWN_LINK = re.compile(rf"(\]\(\s*<?)({PATH})")
REFERENCE_LINK = re.compile(rf"^(\s*\[[^\]\n]+\]:\s*<?)({PATH})", re.MULTILINE)
HTML_HREF = re.compile(rf"(\bhref=[\"'])({PATH})")
LINK_TAG = re.compile(r"(\{%-?\s*(?:topic_link_in_list|link_in_list|link_with_intro|homepage_link_with_intro"
                      rf"|link_with_short_title|link)\s+)({PATH})")
FRONTMATTER = re.compile(r"---\n.*?\n---[ \t]*(?:\n|\Z)", re.DOTALL)
FRONTMATTER_KEY = re.compile(r"^([A-Za-z_][\w-]*):(.*)$")
FRONTMATTER_PATH = re.compile(rf"((?:^\s*-|[\[,:])\s*['\"]?)({PATH})")  # a list item, a flow item, a value
LANGUAGE = re.compile(r"[a-z]{2}")  # /en/... (the links stage leaves such links as they are)
RELEASE = re.compile(r"\d+(?:\.\d+)+")
# Leading segments that are files or the site's own folders, never a page or a redirect.
KEPT_LEADS = frozenset({"assets", "public", "contact", "static", "search"})
MARKER = "\n\nThis page is copy {copy} of its product, made by bench_scale.py.\n"


@dataclass(frozen=True)
class CopyRewriter:
    """Rewrites the pages of one copy (number `copy` >= 2) so that they point into it."""

    copy: int
    products: frozenset[str]
    plans: frozenset[str]
    content: Path  # the original content/ folder: where relative link tags are looked up

    def renamed(self, name: str) -> str:
        return f"{name}-copy{self.copy}"

    def path(self, path: str) -> str:
        """An absolute local path with its leading segment (after language, version and the
        legacy `/enterprise/<release>/user` prefix) renamed into this copy."""
        segments = path.split("/")
        at = self._lead(segments)
        if at is None:
            return path
        segments[at] = self.renamed(segments[at])
        return "/".join(segments)

    def _lead(self, segments: list[str]) -> int | None:
        def is_version(segment: str) -> bool:
            return "@" in segment or segment in self.plans or "{{" in segment

        at = 1
        for skip in (LANGUAGE.fullmatch, is_version, "enterprise".__eq__):
            if at < len(segments) and skip(segments[at]):
                at += 1
        if segments[at - 1] == "enterprise":  # legacy: /enterprise[/<release>][/user]/<path>
            for skip in (lambda s: bool(RELEASE.fullmatch(s) or is_version(s)), "user".__eq__):
                if at < len(segments) and skip(segments[at]):
                    at += 1
        lead = segments[at] if at < len(segments) else ""
        return None if not lead or lead in KEPT_LEADS or "{" in lead or "." in lead else at

    def tag_path(self, path: str, folder: PurePosixPath) -> str:
        """A link tag's path: resolved beside the page first, so only a product named from
        the root (with no page of that name beside the linking page) is renamed."""
        lead = path.strip("/").split("/", 1)[0]
        if lead not in self.products:
            return path
        beside = self.content / folder / path.strip("/")
        if Path(f"{beside}.md").is_file() or (beside / "index.md").is_file():
            return path
        return self.path(path)

    def page(self, text: str, relpath: str) -> str:
        """The copy of one page (`relpath` under the original content/)."""
        folder = PurePosixPath(relpath).parent
        frontmatter, body = split_frontmatter(text)
        if frontmatter is not None:
            frontmatter = self.frontmatter(frontmatter, folder)
        text = (frontmatter or "") + body.rstrip("\n") + MARKER.format(copy=self.copy)
        for pattern in (MARKDOWN_LINK, REFERENCE_LINK, HTML_HREF):
            text = pattern.sub(lambda m: m.group(1) + self.path(m.group(2)), text)
        return LINK_TAG.sub(lambda m: m.group(1) + self.tag_path(m.group(2), folder), text)

    def frontmatter(self, frontmatter: str, folder: PurePosixPath) -> str:
        """`redirect_from` entries renamed like links; the landing pages' link lists (and
        `children`) like link tags."""
        lines, key = [], None
        for line in frontmatter.splitlines(keepends=True):
            top = FRONTMATTER_KEY.match(line)
            if top:
                key = top.group(1)
            if key == "redirect_from":
                line = FRONTMATTER_PATH.sub(lambda m: m.group(1) + self.path(m.group(2)), line)
            elif key and (key.endswith("Links") or key == "children"):
                line = FRONTMATTER_PATH.sub(lambda m: m.group(1) + self.tag_path(m.group(2), folder), line)
            lines.append(line)
        return "".join(lines)


def split_frontmatter(text: str) -> tuple[str | None, str]:
    """(frontmatter with its `---` lines, body), or (None, text) for a file without one."""
    found = FRONTMATTER.match(text)
    return (found.group(0), text[found.end():]) if found else (None, text)


def copy_files(source: Path, target: Path, transform=None) -> None:
    """Copy a folder (not its read-only modes); `transform(text, relpath)` rewrites .md files."""
    for folder, _dirs, files in os.walk(source):
        here = Path(folder)
        (target / here.relative_to(source)).mkdir(parents=True, exist_ok=True)
        for name in files:
            if name.endswith(".jsonl.gz"):
                continue
            src, dst = here / name, target / here.relative_to(source) / name
            if transform is not None and name.endswith(".md"):
                relpath = str(PurePosixPath(src.relative_to(source.parent).as_posix()))
                dst.write_text(transform(src.read_text(encoding="utf-8"), relpath), encoding="utf-8")
            else:
                shutil.copyfile(src, dst)


def multiply_tree(corpus: Path, root: Path, factor: int) -> Path:
    """The tree of `factor` under `root`: the corpus plus factor-1 copies of its products."""
    copy_files(corpus, root)
    content = corpus / "content"
    products = sorted(p.name for p in content.iterdir() if (p / "index.md").is_file())  # the real products
    versions_file = corpus / "data" / "versions.yml"
    plans = frozenset(p.name for p in load_version_model(versions_file if versions_file.is_file() else None).plans)
    for copy in range(2, factor + 1):
        rewriter = CopyRewriter(copy, frozenset(products), plans, content)
        for product in products:
            copy_files(content / product, root / "content" / rewriter.renamed(product), rewriter.page)
    if factor > 1:
        write_site_data(corpus, root, products, factor)
    return root


def write_site_data(corpus: Path, root: Path, products: list[str], factor: int) -> None:
    """The copies in the product order and in the link rules (products some plans lack)."""
    copies = range(2, factor + 1)
    order_file = corpus / "data" / "products.yml"
    order = (yaml.safe_load(order_file.read_text(encoding="utf-8")) or {}) if order_file.is_file() else {}
    originals = [p for p in order.get("productsInOrder", products) if p in products]
    order["productsInOrder"] = originals + [f"{p}-copy{k}" for k in copies for p in originals]
    (root / "data" / "products.yml").write_text(yaml.safe_dump(order, sort_keys=False), encoding="utf-8")
    rules_file = corpus / "data" / "link-rules.yml"
    rules = yaml.safe_load(rules_file.read_text(encoding="utf-8") if rules_file.is_file() else DEFAULT_LINK_RULES_YAML)
    limited = {p: plans if isinstance(plans, list) else [plans] for p, plans in
               (rules.get("products") or yaml.safe_load(DEFAULT_LINK_RULES_YAML)["products"]).items()}
    rules["products"] = {**limited, **{f"{p}-copy{k}": list(plans) for k in copies for p, plans in limited.items()}}
    (root / "data" / "link-rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
