"""The site's own settings, from `data/site.yml` (optional).

    repository: https://github.com/org/repo   # "Edit this page" links go there
    edit_branch: main                         # the branch edits are proposed on (default: main)
    path: docs                                # the docs root's folder in that repository
                                              # (default: found from git, else the top)

A page's edit link is `<repository>/edit/<edit_branch>/<path>/content/<page>`.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from renderer.errors import RenderError

CONFIG_FILE = "data/site.yml"
_URL = re.compile(r"https?://[^\s\"'<>]+")
_BRANCH = re.compile(r"[\w./-]+")


@dataclass(frozen=True)
class SiteConfig:
    repository: str = ""
    edit_branch: str = "main"
    path: str = ""

    def edit_url(self, page_relpath: str) -> str:
        """Where to edit a page (`page_relpath` is relative to content/); '' without a repository."""
        if not self.repository:
            return ""
        inside = "/".join(p for p in (self.path, "content", page_relpath) if p)
        return f"{self.repository.rstrip('/')}/edit/{self.edit_branch}/{inside}"


def load_site_config(root: Path) -> SiteConfig:
    """The settings of the docs tree at `root`; defaults without the file. Mistakes are located errors."""
    file = root / CONFIG_FILE
    if not file.is_file():
        return SiteConfig()
    text = file.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise RenderError(f"{CONFIG_FILE} is not valid YAML: {getattr(err, 'problem', err)}", file=CONFIG_FILE,
                          line=mark.line + 1 if mark else 1, column=mark.column + 1 if mark else 1) from None
    if not isinstance(data, dict):
        raise RenderError(f"{CONFIG_FILE} must be a mapping of settings", file=CONFIG_FILE, line=1, column=1)
    repository = _setting(data, text, "repository", _URL, "an http(s) URL")
    branch = _setting(data, text, "edit_branch", _BRANCH, "a branch name") or "main"
    path = _setting(data, text, "path", _BRANCH, "a folder path").strip("/")
    if repository and "path" not in data:
        path = git_prefix(root)
    return SiteConfig(repository=repository, edit_branch=branch, path=path)


def _setting(data: dict, text: str, key: str, pattern: re.Pattern, what: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or not pattern.fullmatch(value) or ".." in value.split("/"):
        m = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
        line = text.count("\n", 0, m.start()) + 1 if m else 1
        raise RenderError(f"{key} in {CONFIG_FILE} must be {what}, got {value!r}", file=CONFIG_FILE, line=line, column=1)
    return value


def git_prefix(root: Path) -> str:
    """The docs root's folder inside its git checkout ('' at the top, or outside git)."""
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip().strip("/") if done.returncode == 0 else ""
