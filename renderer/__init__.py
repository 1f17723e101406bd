"""A versioned docs engine for GitHub's 2020 docs source format."""

from renderer.errors import RenderError
from renderer.model.tree import DocsTree
from renderer.pipeline import RenderedPage, render_page

__all__ = ["DocsTree", "RenderError", "RenderedPage", "render_page"]
