"""What a build is asked to do (BuildOptions) and what it did (BuildReport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from renderer.problems import Problem


@dataclass
class BuildOptions:
    root: Path = Path(".")
    out: Path = Path("_site")
    versions: Path | None = None
    jobs: int | None = None
    executor: str | None = None
    use_cache: bool = True
    strict: bool = False
    keep_going: bool = False
    lenient: bool = False
    base_url: str = ""
    redirects: str = "stubs"  # how redirects are published: renderer.site.redirect_formats.FORMATS
    site_dir: Path | None = None
    cache_dir: Path | None = None
    progress: bool = True


LINK_KINDS = ("link", "anchor")


@dataclass
class BuildReport:
    out: Path
    pages: int = 0
    versions: int = 0
    renders: int = 0
    rendered: int = 0  # rendered in this build
    from_cache: int = 0  # renders reused from the cache
    failed: int = 0  # renders that raised a RenderError
    laid_out: int = 0  # page files produced in this build
    files: int = 0
    files_written: int = 0
    seconds: float = 0.0
    mode: str = "full"
    links_checked: bool = False
    problems: list[Problem] = field(default_factory=list)  # merged across versions when the build ends
    notes: list[str] = field(default_factory=list)  # one line each: why the cache was not used, ...
    committed: bool = False
    rendered_keys: list[tuple[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    work_seconds: dict[str, float] = field(default_factory=dict)  # worker stage -> seconds, summed over workers

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def broken_links(self) -> list[Problem]:
        return [p for p in self.problems if p.kind in LINK_KINDS]

    @property
    def ok(self) -> bool:
        return self.committed and not self.errors


class BuildFailed(Exception):
    """The build stopped before committing; the previous site is untouched."""

    def __init__(self, report: BuildReport, reason: str):
        super().__init__(reason)
        self.report = report
