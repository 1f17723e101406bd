"""`render build`: the command line of the static site build (renderer.build)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from renderer.build import BuildFailed, BuildOptions, BuildReport, build
from renderer.commands.common import add_common_options, new_parser, print_error
from renderer.errors import RenderError
from renderer.problems import format_text, printable
from renderer.site.redirect_formats import FORMATS


def worker_count(text: str) -> int:
    """--jobs: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more workers, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = new_parser("render build", "Build the complete static site.")
    add_common_options(p)
    p.add_argument("--out", default="_site", help="output folder (default: _site)")
    p.add_argument("--jobs", type=worker_count, default=None,
                   help="worker processes, and Pagefind indexers at a time and their threads "
                        "(default: all cores; 1 = no pool, one at a time of one thread)")
    p.add_argument("--executor", default=None,
                   help="run the work on a Dask cluster: dask://HOST:PORT (its workers need the docs root "
                   "and the folder of --out at the same paths)")
    p.add_argument("--no-cache", dest="use_cache", action="store_false", help="ignore the incremental cache")
    p.add_argument("--strict", action="store_true", help="broken internal links fail the build")
    p.add_argument("--keep-going", action="store_true",
                   help="publish the site even when pages fail to render (they show their error); exit 1")
    p.add_argument("--base-url", default="", help="absolute site URL for sitemap and canonical links")
    p.add_argument("--redirects", choices=FORMATS, default="stubs",
                   help="how redirects are published: a meta-refresh page each (stubs, any host), or one file for "
                   "the host: netlify (_redirects), nginx (.etc/nginx/redirects.conf), apache (.htaccess), json"),
    p.add_argument("--site-dir", default=None,
                   help="layouts folder (default: <root>/site if it has templates/, else the engine's site/)")
    p.add_argument("--cache-dir", default=None, help="cache folder (default: .render-cache/<out name> beside --out)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = None
    if args.progress and sys.stderr.isatty():  # rich only for the progress bar (it costs imports)
        from rich.console import Console

        console = Console(stderr=True)
    options = BuildOptions(
        root=Path(args.root), out=Path(args.out), versions=Path(args.versions) if args.versions else None,
        jobs=args.jobs, executor=args.executor, use_cache=args.use_cache, strict=args.strict,
        keep_going=args.keep_going, lenient=args.lenient, base_url=args.base_url, redirects=args.redirects,
        site_dir=Path(args.site_dir) if args.site_dir else None,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None, progress=args.progress,
    )
    try:
        report = build(options, console)
        failed_reason = None
    except BuildFailed as failure:
        report, failed_reason = failure.report, str(failure)
    except RenderError as err:  # before anything was built: a broken versions file, a bad --out
        print_error(err)
        return 1
    print_report(report, failed_reason)
    return 1 if failed_reason or report.errors else 0


def print_report(report: BuildReport, failed_reason: str | None = None, out=None) -> None:
    """Notes, then one line per problem (errors first), then the summary."""
    out = out or sys.stderr
    for note in report.notes:
        print(f"note: {printable(note)}", file=out)
    for problem in report.errors + report.warnings:
        print(format_text(problem), file=out)
    print(printable(summary(report, failed_reason)), file=out)
    if os.environ.get("RENDER_BUILD_TIMINGS"):
        print("timings: " + timings_line(report), file=out)


def timings_line(report: BuildReport) -> str:
    """The build's phases, then what its workers spent in each stage of a page (summed over workers)."""
    line = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
    if report.work_seconds:
        line += "; in workers: " + ", ".join(f"{k} {v:.2f}s" for k, v in report.work_seconds.items())
    return line


def summary(report: BuildReport, failed_reason: str | None) -> str:
    """One line, every number true of this build, failed or not."""
    if failed_reason:
        status = f"FAILED ({failed_reason}), previous site left as it was"
    else:
        status = "done with errors" if report.errors else "done"
    renders = f"{report.renders} renders ({report.rendered} rendered, {report.from_cache} from cache"
    renders += f", {report.failed} failed)" if report.failed else ")"
    files = (f"{report.files_written} of {report.files} files written" if report.committed
             else "nothing published")
    links = f"{len(report.broken_links)} broken links" if report.links_checked else "links not checked"
    return (f"{status}: {report.pages} pages, {report.versions} versions, {renders}, {files}, "
            f"{report.mode} build, {report.seconds:.2f} s; {len(report.warnings)} warnings, "
            f"{len(report.errors)} errors, {links}")
