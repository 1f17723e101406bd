"""The identity of a folder, by which the build and the preview tell a folder from one put in its place."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def folder_identity(folder: str | Path, *, follow_symlinks: bool = True) -> tuple[int, int] | None:
    """(device, inode) of a folder; None when it is gone or is not a folder (without
    `follow_symlinks`, a symlink to one is not)."""
    try:
        st = os.stat(folder, follow_symlinks=follow_symlinks)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None
