"""GitHub's octicons for `{% octicon "name" %}`, from the `octicons-pack` package.

`octicons-pack` redistributes @primer/octicons' SVGs (each icon in its natural sizes,
`<name>-16`, `<name>-24`, ...). The SVG is written the way GitHub's 2020 engine wrote it:
`<svg version="1.1" width=.. height=.. viewBox=.. class="octicon octicon-<name> ..."
aria-hidden="true">` with the icon's paths inside; the colour comes from the site's CSS
(`fill: currentColor`).
"""

from __future__ import annotations

import html
import re

import octicons_pack

# Names GitHub's 2020 docs used that @primer/octicons renamed since (same shapes).
RENAMED = {"clippy": "paste", "trashcan": "trash"}
NATURAL_SIZES = (12, 16, 24, 48, 96)
_SVG = re.compile(r'^<svg\b[^>]*\bviewBox="0 0 (\d+) (\d+)"[^>]*>(.*)</svg>\s*$', re.S)


def _icon(name: str, size: int):
    return octicons_pack.get_icon(f"{RENAMED.get(name, name)}-{size}")


def sizes_of(name: str) -> list[int]:
    """The natural sizes an icon comes in; empty for an unknown name."""
    return [size for size in NATURAL_SIZES if _icon(name, size) is not None]


def is_known(name: str) -> bool:
    return bool(sizes_of(name))


def octicon_svg(name: str, attrs: dict[str, str]) -> str:
    """The inline SVG of a known icon. `attrs`: aria-label, class, height, width (others are ignored)."""
    sizes = sizes_of(name)
    if not sizes:
        raise KeyError(name)
    wanted = _number(attrs.get("height")) or _number(attrs.get("width")) or 16
    size = next((s for s in sizes if s >= wanted), sizes[-1])  # the closest natural size, as @primer/octicons picks
    m = _SVG.match(_icon(name, size).svg)
    if m is None:  # not the package's usual shape: keep its SVG whole inside ours
        box_w, box_h, inner = size, size, _icon(name, size).svg
    else:
        box_w, box_h, inner = int(m.group(1)), int(m.group(2)), m.group(3)
    height = _number(attrs.get("height")) or (wanted if attrs.get("width") else box_h)
    width = _number(attrs.get("width")) or round(height * box_w / box_h)
    classes = " ".join(["octicon", f"octicon-{name}", *attrs.get("class", "").split()])
    label = attrs.get("aria-label")
    aria = f' aria-label="{html.escape(label)}" role="img"' if label else ' aria-hidden="true"'
    return (f'<svg version="1.1" width="{width}" height="{height}" viewBox="0 0 {box_w} {box_h}"'
            f' class="{html.escape(classes)}"{aria}>{inner}</svg>')


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) <= 1000 else 0
