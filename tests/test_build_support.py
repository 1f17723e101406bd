"""A small docs tree for the site build tests (no tests here; imported by test_build*.py).

alpha (product, every version)
  getting-started (category)
    basics (map topic)  -> first-steps, platforms
    only-latest (free-pro-team only)
  advanced (category, free-pro-team and enterprise-server >= 2.22)
    deep
beta (product, free-pro-team only)
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from docs_fixture import versions_yaml

from renderer.build import BuildOptions, build

FPT = "free-pro-team@latest"
V22 = "enterprise-server@2.22"
V21 = "enterprise-server@2.21"
VERSIONS = [FPT, V22, V21]

INSTALL_LINE = ('{% if currentVersion == "free-pro-team@latest" or currentVersion ver_gt "enterprise-server@2.21" %}'
                'Read [the deep guide](/alpha/advanced/deep#the-section) or{% else %}Read{% endif %} '
                '[the platforms](/alpha/getting-started/platforms).')

FILES = {
    "data/versions.yml": versions_yaml("2.22", "2.21"),
    "data/variables/product.yml": "prodname: Alpha Tool\nprodname_beta: Beta Tool\n",
    "reusables/alpha/shared-note.md": "{% note %}Shared note about {% data variables.product.prodname %}.{% endnote %}\n",
    "reusables/alpha/unused.md": "Nobody uses this.\n",
    "content/index.md": """\
---
title: Test docs
versions: '*'
---

{% homepage_link_with_intro /alpha %}
{% homepage_link_with_intro /beta %}
""",
    "content/alpha/index.md": """\
---
title: '{% data variables.product.prodname %} documentation'
shortTitle: '{% data variables.product.prodname %}'
intro: Everything about Alpha.
versions: '*'
redirect_from:
  - /old-alpha
---

{% link_with_intro /getting-started %}
{% link_with_intro /advanced %}
""",
    "content/alpha/getting-started/index.md": """\
---
title: Getting started
versions: '*'
---

{% topic_link_in_list /basics %}
    {% link_in_list /first-steps %}
    {% link_in_list /platforms %}
{% link_in_list /only-latest %}
""",
    "content/alpha/getting-started/basics.md": """\
---
title: Basics
mapTopic: true
versions: '*'
---
""",
    "content/alpha/getting-started/first-steps.md": """\
---
title: First steps
intro: 'Start using {% data variables.product.prodname %}.'
versions: '*'
redirect_from:
  - /old/first-steps
  - /articles/first-steps
---

{% data reusables.alpha.shared-note %}

## Install it

""" + INSTALL_LINE + """

### Configure it

Details about configuration and zanzibar.

## Next steps

Go [back home](/) or see [install](#install-it).
""",
    "content/alpha/getting-started/platforms.md": """\
---
title: Platforms
versions: '*'
---

{% data reusables.alpha.shared-note %}

## Download

{% mac %}
Use the Mac installer.
{% endmac %}

{% windows %}
Use the Windows installer.
{% endwindows %}

{% linux %}
Use the Linux package.
{% endlinux %}
""",
    "content/alpha/getting-started/only-latest.md": """\
---
title: Only in the latest
versions:
  free-pro-team: '*'
---

Only on the cloud. The quasar feature.
""",
    "content/alpha/advanced/index.md": """\
---
title: Advanced
versions:
  free-pro-team: '*'
  enterprise-server: '>=2.22'
---

{% link_in_list /deep %}
""",
    "content/alpha/advanced/deep.md": """\
---
title: Deep dive
versions:
  free-pro-team: '*'
  enterprise-server: '>=2.22'
---

## The section

Deep content with the word xylophone.
""",
    "content/beta/index.md": """\
---
title: '{% data variables.product.prodname_beta %}'
versions:
  free-pro-team: '*'
---

Beta body.
""",
}


def make_docs(root: Path, extra: dict[str, str] | None = None) -> Path:
    for rel, text in {**FILES, **(extra or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run_build(root: Path, out: Path, **options):
    options.setdefault("jobs", 1)
    options.setdefault("progress", False)
    return build(BuildOptions(root=root, out=out, **options))


def built(tmp_path: Path) -> tuple[Path, Path]:
    """A docs tree and the site a first build made of it: (docs root, --out)."""
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    return root, out


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> sha1 of every file under a folder."""
    found = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath) / name
            found[path.relative_to(folder).as_posix()] = hashlib.sha1(path.read_bytes()).hexdigest()
    return found


def read(out: Path, url: str) -> str:
    """The file a static host serves for a URL path."""
    path = out / url.lstrip("/")
    if url.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path.read_text(encoding="utf-8")
