"""Render parity tool: compare our exported renders with GitHub's 2020 renders.

Both inputs are JSON Lines files (plain or gzip-compressed) with one object per
render: ``{"version", "path", "title", "intro", "html"}``.  Renders are matched
by ``(version, path)`` and compared on six aspects:

``title``
    title text after HTML-unescaping and whitespace collapsing;
``headings``
    the sequence of ``(level, id, text)`` for every ``<h1>``..``<h6>``;
``hrefs``
    the sequence of ``<a href>`` values in document order, without the
    heading self-links (``href="#<id of the enclosing heading>"``);
``text``
    all text nodes (entity-decoded, ``<script>``/``<style>``/comments
    dropped), block boundaries read as spaces, every run of whitespace
    collapsed to one space;
``intro-text`` and ``intro-links``
    the visible text and the link hrefs of the intro.

The report gives each aspect's share of equal renders, the unmatched pairs, and the
differences grouped by likely cause (`renderer/parity/causes.py`) and by kind.

Usage::

    python -m renderer.parity OURS.jsonl [--reference PATH] [--json OUT]
                              [--min-ratio 0.99]

Exit status: 0 when every aspect reaches ``--min-ratio`` and both files hold
the same ``(version, path)`` pairs, 1 otherwise, 2 on unreadable input.

Modules: `extract` (HTML scanning), `load` (render files), `compare` (verdicts),
`causes`, `report`, `cli`.
"""

from renderer.parity.cli import DEFAULT_REFERENCE, main, pages_needing_generated_data
from renderer.parity.compare import compare
from renderer.parity.extract import Extract, attribute, collapse_space, extract, normalize_title, unescape
from renderer.parity.load import ParityInputError, load_renders
from renderer.parity.report import ASPECTS, Difference, ParityReport

__all__ = ["ASPECTS", "DEFAULT_REFERENCE", "Difference", "Extract", "ParityInputError", "ParityReport",
           "attribute", "collapse_space", "compare", "extract", "load_renders", "main", "normalize_title",
           "pages_needing_generated_data", "unescape"]
