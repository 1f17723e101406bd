"""Taking in the workers' results: records of renders, files written, errors, page shells."""

from __future__ import annotations

import sys

from renderer.build.digests import Digests, sha1
from renderer.build.file_table import FileTable
from renderer.build.options import BuildReport
from renderer.build.record_table import RecordTable
from renderer.build.records import error_from_fields
from renderer.build.search_store import SearchSpool
from renderer.build.shell_table import ShellTable
from renderer.errors import RenderError
from renderer.problems import Problem


class Collector:
    def __init__(self, report: BuildReport, digests: Digests, records: RecordTable, files: FileTable,
                 shells: ShellTable, spool: SearchSpool):
        self.report = report
        self.spool = spool  # where the workers write fresh search records (not into the records)
        self.shells = shells  # new page shells go there, for the next build
        self.digests = digests
        self.records = records  # the last build's rows are replaced as renders come in
        self.files = files
        self.failed: dict[tuple[str, str], RenderError] = {}  # renders that raised

    def add(self, results: list[dict]) -> None:
        for res in results:
            if "timings" in res:
                for stage, seconds in res["timings"].items():
                    self.report.work_seconds[stage] = self.report.work_seconds.get(stage, 0.0) + seconds
            elif "file" in res:  # a redirect stub or a file of a search bundle
                self.files.add(res["file"], res["digest"], res["stat"])  # (stat None: the live site's file is kept)
            elif "search_error" in res:
                raise RenderError(res["search_error"])
            elif "shells" in res:
                self.shells.put(res["shells"])
            elif "spooled" in res:  # the files a worker writes this build's search records to
                self.spool.take(res["spooled"])
            elif res["error"] is not None:
                self._failed(res)
            elif res["kept"]:  # its chrome changed elsewhere, not the page's: its record stays
                self.files.add(res["out"], res["digest"], None)
                self.report.from_cache += 1
            else:
                self._laid_out(res)

    def _cached(self, key: tuple[str, str]) -> dict:
        """The last build's record of a render the plan reused (so the table has it)."""
        record = self.records.get(key)
        if record is None:
            raise ValueError(f"no cached render for {key}")
        return record

    def _failed(self, res: dict) -> None:
        err = error_from_fields(res["error"])
        if err.version is None:
            err.version = res["version"]
        self.report.problems.append(Problem.from_error(err, "render", "error", (res["version"],)))
        self.report.failed += 1
        self.failed[(res["relpath"], res["version"])] = err
        self.records.delete((res["relpath"], res["version"]))

    def _laid_out(self, res: dict) -> None:
        key = (sys.intern(res["relpath"]), sys.intern(res["version"]))  # (the report keeps one per render)
        record = res["record"]
        if record is None:  # laid out again around the cached render
            record = self._cached(key)
            self.report.from_cache += 1
        else:
            digests = self.digests
            self.report.rendered += 1
            self.report.rendered_keys.append(key)
            digests.seed(record.pop("dep_stats"))
            record["deps"] = deps = {dep: digests.of(dep) for dep in record["deps"]}
            if record["warnings"]:  # e.g. a missing link target or include: it may appear later
                deps["shape:"] = digests.of("shape:")
            record["cacheable"] = not (record["site_data"] or any(d in digests.uses_site_data for d in deps))
        record["chrome_key"] = res["chrome_key"]
        record["layout_key"] = sha1(res["chrome_key"] + record["render_digest"])
        record["digest"] = res["digest"]
        self.records.put(key, record)
        self.files.add(res["out"], res["digest"], res["stat"] if res["written"] else None)
        self.report.laid_out += 1

    def finish(self) -> None:
        """The warnings of every render, kept ones too."""
        self.report.rendered_keys.sort()
        for version, record in self.records.warned():
            for warning in record["warnings"]:
                self.report.problems.append(Problem.from_error(error_from_fields(warning), "render", "warning", (version,)))
