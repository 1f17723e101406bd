"""The `render` command line as a user runs it (`python -m renderer ...`): one row per
command, with the message it must print and its exit status, and every command's --help."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_fixture import versions_yaml

from renderer.commands import COMMANDS

REPO_ROOT = Path(__file__).resolve().parents[1]
FORGED = "a\n::error file=x::forged\x1b[31m.md"  # a file name that tries to forge output lines

GOOD_TREE = {
    "data/versions.yml": versions_yaml("2.22"),
    "data/variables/product.yml": "name: Octo\n",
    "content/index.md": "---\ntitle: Home\nversions: '*'\n---\nWelcome. [Spaced](/with%20space#part)\n",
    "content/with space.md": "---\ntitle: Spaced\nversions: '*'\n---\n## Part\n",
    "content/actions/index.md": "---\ntitle: Actions\nversions: '*'\n---\nActions home for {% data variables.product.name %}.\n",
    "content/empty-folder/README.md": "Notes for writers, not a page.\n",
}
BAD_TREE = {
    "data/versions.yml": versions_yaml("2.22"),
    "content/index.md": "---\ntitle: Home\nversions: '*'\n---\nWelcome.\n",
    "content/unclosed.md": "---\ntitle: Never closed\nversions: '*'\n\nBody.\n",
    "content/liquid.md": "---\ntitle: Broken\nversions: '*'\n---\nLine.\n{% data variables.nope.x %}\n",
    f"content/{FORGED}": "---\ntitle: Forged\nversions: '*'\n---\n{% data variables.nope.y %}\n",
}

# (arguments, regex the output (stdout + stderr) must match, exit status)
ROWS = [
    # 14. help texts with a bare `%`; an --out that is a folder
    (["--help"], r"^usage: render .*PAGE\n\s+render COMMAND", 0),
    (["export", "--help"], r"^usage: render export .*\n(.*\n)*  --out OUT +output file", 0),
    (["export", "--root", "{good}", "--out", "{good}"], r"^error: --out .* is a folder; give a file name", 1),
    (["export", "--root", "{good}", "--out", "{out}/r.jsonl"], r"^wrote 6 renders to .*r\.jsonl; 0 errors$", 0),
    (["export", "--root", "{good}"], r"render export: error: the following arguments are required: --out", 2),
    # 15. a mistyped command; messages without `<unknown>:`; a folder page; unclosed frontmatter
    (["chek"], r"^error: unknown command 'chek' \(did you mean 'check'\?\)$", 2),
    (["frobnicate"], r"^error: unknown command 'frobnicate' \(commands: export, .*; or give a page path\)$", 2),
    (["--version", "nope@1", "{good}/content/index.md"], r"^error: unknown version 'nope@1' \(known: free-pro-team@latest", 1),
    (["{good}/content/actions"], r"^<p>Actions home for Octo\.</p>$", 0),
    (["--root", "{good}", "content/actions/"], r"^<p>Actions home for Octo\.</p>$", 0),
    (["{good}/content/empty-folder"], r"^error: no such page: .*empty-folder is a folder without an index\.md$", 1),
    (["{good}/content/nope.md"], r"^error: no such page: .*content/nope\.md$", 1),
    (["{bad}/content/unclosed.md"], r"^error: content/unclosed\.md:1:1: frontmatter is not closed", 1),
    (["{bad}/content/liquid.md"],
     r"^error: content/liquid\.md:6:9: \[free-pro-team@latest\] unknown data reference 'variables\.nope\.x'\n\s+6 \| ", 1),
    (["check", "--root", "{bad}"], r"^content/unclosed\.md:1:1: error: frontmatter is not closed", 1),
    # control characters in file names are escaped in every format, so no line can be forged (and such a
    # name is itself an error: no page URL may hold them)
    (["check", "--root", "{bad}"],
     r"^content/a\\n::error file=x::forged\\x1b\[31m\.md:1:1: error: the file name holds characters", 1),
    (["check", "--root", "{bad}", "--format", "github"],
     r"^::error file=content/a\\n%3A%3Aerror file=x%3A%3Aforged\\x1b\[31m\.md,line=1,col=1,title=", 1),
    (["check", "--root", "{bad}", "--format", "json"], r'"file": "content/a\\\\n::error file=x::forged\\\\x1b\[31m\.md"', 1),
    # whole option names only: --version is not --versions, --ou is not --out
    (["check", "--root", "{good}", "--version", "x"], r"render check: error: unrecognized arguments: --version x", 2),
    (["export", "--root", "{good}", "--ou", "{out}/x.jsonl"],
     r"render export: error: the following arguments are required: --out", 2),
    (["--versio", "free-pro-team@latest", "{good}/content/index.md"], r"render: error: unrecognized arguments: --versio", 2),
    # 16. a percent-encoded link resolves as in the build
    (["check", "--root", "{good}"], r"^render check: 0 error\(s\), 0 warning\(s\) in 3 pages, 6 renders", 0),
    (["check", "--root", "{good}/nowhere"], r"^/.*/nowhere:1:1: error: no content/ folder in docs root .*\(config\)$", 1),
]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("cli")
    (base / "out").mkdir()
    return {"good": str(write_tree(base / "good", GOOD_TREE)), "bad": str(write_tree(base / "bad", BAD_TREE)),
            "out": str(base / "out")}


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renderer", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "expected", "status"), ROWS, ids=[" ".join(row[0]) for row in ROWS])
def test_command(places, args, expected, status):
    result = run_cli([arg.format(**places) for arg in args])
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert re.search(expected, output, re.M), output
    assert result.returncode == status, output


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=["render", *COMMANDS])
def test_every_command_has_help(command):
    result = run_cli([*command, "--help"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: render"), result.stdout
