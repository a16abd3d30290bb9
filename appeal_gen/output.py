"""Writing files so that a reader never sees half of one.

Everything a command produces is written to temporary files in the target
folder first and renamed into place only when all of them are complete;
on any failure the temporary files are removed. ``os.replace`` is atomic on
one file system, so an existing appeal is either the old one or the new one.
"""

from __future__ import annotations

import errno
import itertools
import os
from collections.abc import Mapping
from pathlib import Path

from .errors import AppealGenError


class OutputError(AppealGenError):
    """The output folder cannot be written (permissions, disk full)."""

    #: The OS error number (errno.ENOSPC for a full disk), when there is one.
    errno: int | None = None

    @classmethod
    def from_os(cls, exc: OSError, where: str | None) -> OutputError:
        """The one-line error for a failed write, keeping errno (a full disk stops a batch)."""
        error = cls(f"cannot write output: {exc.strerror}", file=exc.filename or where)
        error.errno = exc.errno
        return error

    @property
    def disk_full(self) -> bool:
        return self.errno in (errno.ENOSPC, errno.EDQUOT)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    write_all({path: data})


def write_all(files: Mapping[Path, bytes] | Mapping[str, bytes], *, durable: bool = True) -> None:
    """Write every file, or none of them.

    *durable*: fsync each file before it is renamed into place, so that it
    survives a power cut. A batch letter skips it (see ``batch._Journal``).
    """
    temps: list[tuple[str, str]] = []
    # The temporary file is created 0600; an appeal is a document to share, so
    # it gets the permissions any new file of the user's would get (0644
    # under the usual umask).
    mode = 0o666 & ~_umask()
    current: str | None = None
    try:
        for path, data in files.items():
            current = os.fspath(path)
            tmp, fd = _create_temporary(current)
            temps.append((tmp, current))
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), mode)
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
        for tmp, final in temps:
            os.replace(tmp, final)
        temps = []
    except OSError as exc:
        raise OutputError.from_os(exc, current) from None
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass


_TEMPORARIES = itertools.count()


def _create_temporary(path: str) -> tuple[str, int]:
    """A new file ``.NAME.PID-N.part`` beside *path*, open for writing; its folder is made if missing.

    What ``tempfile.mkstemp`` does (O_EXCL, never through a symbolic link),
    for a fraction of its cost: a batch writes two or three files a letter.
    The process id and a counter make the name unique; a name taken (left
    by a killed process with the same id) is skipped.
    """
    folder, name = os.path.split(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(10_000):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}-{next(_TEMPORARIES)}.part")
        try:
            return tmp, os.open(tmp, flags, 0o600)
        except FileExistsError:
            continue
        except FileNotFoundError:
            if not folder or os.path.isdir(folder):
                raise
            os.makedirs(folder, exist_ok=True)
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", path)
