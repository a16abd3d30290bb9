"""Writing files so that a reader never sees half of one.

Everything a command produces is written to temporary files in the target
folder first and renamed into place only when all of them are complete;
on any failure the temporary files are removed. ``os.replace`` is atomic on
one file system, so an existing appeal is either the old one or the new one.
"""

from __future__ import annotations

import os
import tempfile
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
        import errno

        return self.errno in (errno.ENOSPC, errno.EDQUOT)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    write_all({path: data})


def write_all(files: Mapping[Path, bytes], *, durable: bool = True) -> None:
    """Write every file, or none of them.

    *durable*: fsync each file before it is renamed into place, so that it
    survives a power cut. A batch letter skips it (see ``batch._Journal``).
    """
    temps: list[tuple[str, Path]] = []
    # mkstemp creates 0600 files; an appeal is a document to share, so it gets
    # the permissions any new file of the user's would get (0644 under the
    # usual umask).
    mode = 0o666 & ~_umask()
    current: Path | None = None
    try:
        for path, data in files.items():
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), mode)
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
        for tmp, path in temps:
            os.replace(tmp, path)
        temps = []
    except OSError as exc:
        raise OutputError.from_os(exc, str(current) if current is not None else None) from None
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
