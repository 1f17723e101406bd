"""The docs tree as it is at a git ref, and the files changed since then.

The ref's tree is extracted with `git archive` into a temporary folder (the repository
and its worktree are only read). Changed files are what `git diff REF` reports for the
working tree (staged or not) plus untracked files that are not ignored.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from renderer.errors import RenderError

SOURCE_FOLDERS = ("content", "data", "reusables", "includes")


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=300)
    except FileNotFoundError:
        raise RenderError("--base needs git, which is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout


class GitBase:
    """A docs root inside a git work tree, and one ref of it."""

    def __init__(self, root: Path, ref: str):
        self.root = root.resolve()
        self.ref = ref
        self.top = Path(_git(self.root, "rev-parse", "--show-toplevel").decode().strip()).resolve()
        self.prefix = self.root.relative_to(self.top).as_posix() if self.root != self.top else ""
        self.commit = _git(self.top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()

    def extract(self, into: Path) -> Path:
        """Write the docs sources (content/, data/, reusables/, includes/) as they are at the ref
        under `into`; the docs root's path there."""
        listed = _git(self.top, "ls-tree", "--name-only", "-z", self.commit, f"{self.prefix}/" if self.prefix else ".")
        names = {PurePosixPath(n.decode("utf-8", "surrogateescape")).name for n in listed.split(b"\0") if n}
        wanted = [f"{self.prefix}/{n}" if self.prefix else n for n in SOURCE_FOLDERS if n in names]
        if not wanted:
            return into / self.prefix if self.prefix else into
        archive = _git(self.top, "archive", "--format=tar", self.commit, "--", *wanted)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(into, filter="data")
            else:  # Python without extraction filters: refuse members that leave the folder
                if any(m.name.startswith("/") or ".." in Path(m.name).parts or m.issym() or m.islnk()
                       for m in tar.getmembers()):
                    raise RenderError(f"the archive of {self.ref} holds links or paths out of the tree")
                tar.extractall(into)
        return into / self.prefix if self.prefix else into

    def changed_files(self) -> set[str]:
        """Paths relative to the docs root that differ between the ref and the working tree."""
        scope = ["--", self.prefix or "."]
        names = _git(self.top, "diff", "--name-only", "--no-renames", "-z", self.commit, *scope)
        names += _git(self.top, "ls-files", "--others", "--exclude-standard", "-z", *scope)
        cut = len(self.prefix) + 1 if self.prefix else 0
        return {name.decode("utf-8", "surrogateescape")[cut:] for name in names.split(b"\0") if name}


def temporary_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder, in memory (/dev/shm) where there is one: creating thousands of
    small files on some disks costs seconds of kernel time."""
    shm = Path("/dev/shm")
    memory = shm.is_dir() and os.access(shm, os.W_OK)
    return tempfile.TemporaryDirectory(prefix="render-diff-", dir=str(shm) if memory else None)
