"""Publishing a staged site: readers see the previous site or the new one, never a mix.

Every build stages a complete tree beside --out -- an incremental one hard-links the
files it keeps from the live site into it -- and swaps it in with one rename
(renameat2 RENAME_EXCHANGE where Linux has it; elsewhere two renames, with a moment
without a site). The replaced site is deleted in the background. Anything that fails
before the swap leaves the previous site untouched; staging folders of killed builds
are deleted by the next build into the same --out.
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
from renderer.build.output import FileWriter

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_STAGING = re.compile(r"\.(?P<name>.+)\.build-\d+-[^/]+$")


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
