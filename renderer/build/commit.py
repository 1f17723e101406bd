"""Publishing a staged site: readers see the previous site or the new one, never a mix.

Every build stages a complete tree beside --out and swaps it in with one rename
(renameat2 RENAME_EXCHANGE where Linux has it; elsewhere two renames, with a moment
without a site). Anything that fails before the swap leaves the previous site
untouched; staging folders of killed builds are deleted by the next build into the
same --out.

A full build stages a new tree, and the site it replaces is deleted in the background.
An incremental build keeps the site it replaces as the *spare* (`.<out>.spare` beside
--out): its files are hard links to the live site's, but for those the last build
changed (the cache lists them). The next incremental build takes the spare as its
staging folder, writes its new files into it (replacing, never overwriting, a file),
re-links the few the last build changed and unlinks those now gone: work in proportion
to what changed, not to the site's ~30,000 files. Without a usable spare (the first
incremental build, or one that was moved or left half-updated), it hard-links every
kept file into a new staging folder instead.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from renderer.build.cache import FileStat
from renderer.build.file_table import FileTable
from renderer.build.output import FileWriter
from renderer.folders import folder_identity

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_STAGING = re.compile(r"\.(?P<name>.+)\.(?:build|scratch)-\d+-[^/]+$")  # (make_staging, make_scratch)


def stage_kept_files(writer: FileWriter, live: Path, paths: Iterable[str]) -> dict[str, FileStat]:
    """Hard-link the files an incremental build keeps into its staging folder; returns
    the new stat of those that had to be copied instead."""
    root = str(live) + os.sep
    copied = {}
    for path in paths:
        new_stat = writer.link(root + path, path)
        if new_stat is not None:
            copied[path] = new_stat
    return copied


def spare_path(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def take_spare(out: Path, expected: tuple[int, int] | None) -> Path | None:
    """The spare the last build kept, renamed to be this build's staging folder (a build
    killed meanwhile leaves a staging folder, deleted by the next one, and no spare), or
    None when there is none the cache knows (`expected`: its device and inode)."""
    spare = spare_path(out)
    if expected is None or folder_identity(spare, follow_symlinks=False) != tuple(expected):
        return None
    staging = out.parent / f".{out.name}.build-{os.getpid()}-spare"
    os.rename(spare, staging)
    return staging


def refresh_spare(writer: FileWriter, live: Path, stale: Iterable[str], files: FileTable) -> dict[str, FileStat]:
    """Make a spare taken as staging a copy of the new site: of the paths where it differs
    from the live site (`stale`: what the last build changed, and what this one removes),
    link the live file where the new site keeps it and unlink it where the new site has
    none; the files this build wrote are in place already. Returns the stat of files that
    had to be copied instead of linked."""
    root = str(live) + os.sep
    copied = {}
    for path in sorted(set(stale)):
        if files.was_written(path):
            continue
        if files.has(path):
            new_stat = writer.link(root + path, path)
            if new_stat is not None:
                copied[path] = new_stat
        else:
            writer.remove(path)
    return copied


def keep_as_spare(old_site: Path, out: Path) -> tuple[int, int] | None:
    """Keep the site a swap replaced (where swap_in left it) as the next build's spare;
    returns the spare's (device, inode), or None when it could not be kept."""
    spare = spare_path(out)
    site = old_site / "site" if old_site.name.startswith(f".{out.name}.old-") else old_site
    try:
        if os.path.lexists(spare):
            discard(spare, out)
        os.rename(site, spare)
    except OSError:
        return None
    if site != old_site:
        shutil.rmtree(old_site, ignore_errors=True)
    return folder_identity(spare, follow_symlinks=False)


def discard_spare(out: Path) -> None:
    """A full build replaces every file: the spare would be all stale."""
    if os.path.isdir(spare_path(out)):
        discard(spare_path(out), out)


def swap_in(staging: Path, out: Path) -> Path | None:
    """Put the staged site at `out` in one step; returns where the old site went (to delete)."""
    if not out.exists():
        os.rename(staging, out)
        return None
    if _exchange(staging, out):
        return staging  # now holds the old site
    trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rename(out, trash / "site")  # (no renameat2 here: a moment without a site)
    os.rename(staging, out)
    return trash


def _exchange(a: Path, b: Path) -> bool:
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def discard(folder: Path, out: Path) -> None:
    """Delete a replaced site without waiting: tens of thousands of files take seconds on
    some disks, and the new site is already in place. A detached `rm -rf` does it."""
    trash = folder
    if not folder.name.startswith(f".{out.name}.old-"):
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rename(folder, trash / "site")
    rm = shutil.which("rm")
    if rm and os.name == "posix":
        try:
            subprocess.Popen([rm, "-rf", "--", str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
            return
        except OSError:
            pass
    shutil.rmtree(trash, ignore_errors=True)


def discard_stale(out: Path) -> None:
    """Staging folders of earlier builds into `out` (killed ones) and replaced sites.
    Called with the lock on `out` held, before this build makes its own: no build is
    using any of them."""
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        m = _STAGING.match(entry.name)
        if (m and m.group("name") == out.name) or (entry.name.startswith(f".{out.name}.old-") and entry.is_dir()):
            discard(entry, out)
