"""The end of a build: stage the files it keeps, swap the staged site in (commit.py), keep
the replaced one as the spare, then commit the build database and save the cache."""

from __future__ import annotations

from pathlib import Path

from renderer.build.cache import Cache, FileStat, unlink_quietly
from renderer.build.commit import discard, keep_as_spare, refresh_spare, stage_kept_files, swap_in
from renderer.build.file_table import FileTable
from renderer.build.options import BuildReport
from renderer.build.output import FileWriter
from renderer.folders import folder_identity


class Publisher:
    def __init__(self, out: Path, cache_folder: Path, files: FileTable, writer: FileWriter, report: BuildReport):
        self.out, self.cache_folder, self.files, self.writer, self.report = out, cache_folder, files, writer, report

    def publish(self, cache: Cache, old: Cache | None, from_spare: bool) -> None:
        """`old`: the last build's cache (None for a full build); `from_spare`: staging is the
        spare the last build kept."""
        files = self.files
        if old is not None and not files.written_count() and files.same_paths():
            self._keep_site(cache, old, from_spare)
            return
        changed = files.changed() if old is not None else []
        copied = self._stage_kept(old, changed, from_spare) if old is not None else {}
        files.publish(copied)
        marker = self.cache_folder / "APPLYING"
        marker.write_text("a commit of the site is in progress; an interrupted one makes the next build a full one\n")
        trash = swap_in(Path(self.writer.root), self.out)
        self.report.committed = True
        cache.out_id = folder_identity(self.out)
        if old is not None and trash is not None:  # the replaced site: the next build's spare
            cache.spare_id = keep_as_spare(trash, self.out)
            cache.spare_stale = changed
            trash = None
        self._save_cache(cache, marker)
        if trash is not None:
            try:
                discard(trash, self.out)
            except OSError:
                pass  # the next build into `out` deletes it (discard_stale)

    def _stage_kept(self, old: Cache, changed: list[str], from_spare: bool) -> dict[str, FileStat]:
        """The files this build keeps, in staging: the spare has them but for the stale ones
        (what the last build changed, and what this one changes); a new staging folder gets
        a hard link to every one."""
        if from_spare:
            return refresh_spare(self.writer, self.out, set(old.spare_stale) | set(changed), self.files)
        return stage_kept_files(self.writer, self.out, self.files.kept())

    def _keep_site(self, cache: Cache, old: Cache, from_spare: bool) -> None:
        """Nothing changed: the site stays as it is, and so does a spare taken as staging."""
        self.files.publish({})
        cache.out_id = old.out_id
        cache.spare_id, cache.spare_stale = None, []
        if from_spare:
            cache.spare_id = keep_as_spare(Path(self.writer.root), self.out)
            cache.spare_stale = old.spare_stale
        self.report.committed = True
        self.cache_folder.mkdir(parents=True, exist_ok=True)
        cache.tables_token = self.files.db.finish()
        cache.save(self.cache_folder)

    def _save_cache(self, cache: Cache, marker: Path) -> None:
        folder = self.cache_folder
        try:
            cache.tables_token = self.files.db.finish()
            cache.save(folder)
            unlink_quietly(marker)
        except OSError as err:
            self.report.notes.append(f"the build cache could not be saved in {folder} ({os_error(err)}): "
                                     "the next build will be a full one")


def os_error(err: OSError) -> str:
    """An OSError in one line: its reason and the file."""
    where = f" ({err.filename})" if err.filename else ""
    return f"{err.strerror or err}{where}"
