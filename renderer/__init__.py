"""A versioned docs engine for GitHub's 2020 docs source format."""

from .errors import RenderError
from .render import RenderedPage, render_page
from .tree import DocsTree

__all__ = ["DocsTree", "RenderError", "RenderedPage", "render_page"]
