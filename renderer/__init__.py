"""A versioned docs engine for GitHub's 2020 docs source format."""

from renderer.errors import RenderError
from renderer.pipeline import RenderedPage, render_page
from renderer.model.tree import DocsTree

__all__ = ["DocsTree", "RenderError", "RenderedPage", "render_page"]
