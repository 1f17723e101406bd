"""Writing the site: new files into a staging folder beside --out, the lock on --out, and
which files of the previous site can be trusted to be what the build left there.

Files and folders get the modes the umask gives (0644 and 0755 under umask 022), the
staging folder included (mkdtemp would make the published site's root drwx------).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from renderer.build.cache import Cache, FileStat
from renderer.errors import RenderError

try:
    import fcntl
except ImportError:  # not on Windows: builds into one --out are not serialized there
    fcntl = None  # type: ignore[assignment]

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def current_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # (elsewhere the only way to read it is to set it)
    os.umask(mask)
    return mask


def make_staging(out: Path) -> Path:
    """A new, empty staging folder beside `out`, with the mode a new folder gets."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-{os.getpid()}-", dir=out.parent))
    os.chmod(staging, 0o777 & ~current_umask())
    return staging


def make_scratch(out: Path) -> Path:
    """A scratch folder beside `out` for the workers' inputs (Dask workers see `out`'s folder
    too); never published. A killed build's is deleted by the next (commit.discard_stale)."""
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.scratch-{os.getpid()}-", dir=out.parent))


def stat_of(st: os.stat_result) -> FileStat:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class FileWriter:
    """Writes new files under one folder (raw system calls: a site has tens of thousands)
    and returns the stat of each, for the next build's check of what it left."""

    def __init__(self, root: str | Path):
        self.root = str(root)
        self.made: set[str] = set()

    def _folder_for(self, path: str) -> None:
        folder = path[: path.rfind(os.sep)]
        if folder not in self.made:
            try:
                os.mkdir(folder)
            except FileExistsError:
                pass
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            self.made.add(folder)

    def write(self, relpath: str, data: bytes) -> FileStat:
        """A new file at `relpath`. One already there is unlinked first, never overwritten: in a
        spare site (commit.py) it is the same file as the live site's (a hard link)."""
        path = f"{self.root}{os.sep}{relpath}"
        self._folder_for(path)
        try:
            fd = os.open(path, _OPEN_FLAGS, 0o666)
        except FileExistsError:
            os.unlink(path)
            fd = os.open(path, _OPEN_FLAGS, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            return stat_of(os.fstat(fd))
        finally:
            os.close(fd)

    def link(self, source: str, relpath: str) -> FileStat | None:
        """`source` at `relpath` too (replacing what is there): a hard link (the same file, so
        the same stat: None), or a copy where the file system refuses links (its new stat)."""
        path = f"{self.root}{os.sep}{relpath}"
        self._folder_for(path)
        try:
            os.link(source, path, follow_symlinks=False)
            return None
        except FileExistsError:
            os.unlink(path)
            return self.link(source, relpath)
        except OSError:
            shutil.copy2(source, path, follow_symlinks=False)
            return stat_of(os.lstat(path))

    def remove(self, relpath: str) -> None:
        """Unlink `relpath` if it is there, and its folder if that is left empty."""
        path = f"{self.root}{os.sep}{relpath}"
        folder = path[: path.rfind(os.sep)]
        try:
            os.unlink(path)
            if folder != self.root:
                os.rmdir(folder)
                self.made.discard(folder)
        except OSError:
            pass  # not there, or the folder holds other files


class OutputLock:
    """An exclusive lock on one --out (flock on `.render-cache/<out name>.lock`), held for
    the whole build, so that two builds into one folder cannot interleave."""

    def __init__(self, out: Path):
        self.out = out
        self.path = Cache.folder_for(out).parent / f"{out.name}.lock"
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        if fcntl is None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as err:
            raise RenderError(f"cannot create the lock file {self.path}: {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise RenderError(f"another build (process {holder or '?'}) is writing into {self.out}; "
                              "try again when it has finished") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # the file stays: removing it would race with a build taking it
            self.fd = None
