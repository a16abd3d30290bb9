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
import stat
from collections.abc import Mapping
from pathlib import Path

from .errors import AppealGenError, InputError
from .filenames import RESERVED


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


class UnsafeOutputError(InputError):
    """Something in the output folder, or a name made from input, would make a write land elsewhere.

    The output folder's contents are not trusted (SECURITY.md): a symbolic
    link planted at ``letters/`` or ``.appeal-gen/`` must not let a run
    write, append to or delete a file outside it. Exit status 2: the user
    removes the link (or picks another folder) and runs again.
    """


#: Characters that never appear in one component of an output path: separators (the Unicode
#: look-alikes too, so that no name reads as a path to a person or another system), NUL.
_NOT_IN_A_NAME = frozenset("/\\\0\u2215\u2044\uff0f\u29f8\u2571\u29f5\ufe68\uff3c")


def check_component(name: str) -> str:
    """*name* itself when it is one plain file or folder name, else ``UnsafeOutputError``.

    Every name under OUTDIR is made by appeal-gen from canonical tokens
    (slugs, babel's language identifiers, fixed extensions); this is the
    last check before one reaches the file system, whatever made it. A
    Windows device name (``con.en.pdf``, ``aux``) is not a plain name either:
    on Windows it opens the device, wherever the folder is.
    """
    if (
        not name
        or name in (".", "..")
        or any(c in _NOT_IN_A_NAME or c < " " for c in name)
        or len(name.encode("utf-8", "surrogatepass")) > 255
        or name.split(".", 1)[0].rstrip(" ").lower() in RESERVED
    ):
        raise UnsafeOutputError(f"refusing to write a file named {name!r}: not one plain file name")
    return name


def safe_path(outdir: Path | str, *components: str, make_folders: bool = True) -> Path:
    """``OUTDIR/COMPONENT/...``, proven to stay inside OUTDIR: the one way a writer names a file.

    Each component must be one plain name (``check_component``); each one
    that exists must not be a symbolic link, and each but the last must be a
    real folder (missing folders are made when *make_folders*). That is the
    proof that the path, resolved, lies inside the resolved OUTDIR: no part
    can climb (no ``..``, no separator) and none can jump (no link), so it
    resolves to OUTDIR's real path joined with the parts; ``realpath`` on
    every letter would only repeat it, for several times the cost. OUTDIR
    itself is the user's choice and may be a link; what is inside it is not
    trusted. One ``lstat`` a part: cheap next to rendering a letter.
    """
    base = os.fspath(outdir)
    path = base
    last = len(components) - 1
    for name in components:
        check_component(name)  # all of them before a folder is made
    for i, name in enumerate(components):
        path = os.path.join(path, name)
        try:
            mode = os.lstat(path).st_mode
        except NotADirectoryError:
            # OUTDIR itself (or a folder above it) is a file: no part below it can exist.
            raise _not_a_folder(base) from None
        except FileNotFoundError:
            if i < last and make_folders:
                try:
                    os.makedirs(path, exist_ok=True)
                except OSError as exc:
                    raise OutputError.from_os(exc, path) from None
                mode = os.lstat(path).st_mode
            else:
                continue
        if stat.S_ISLNK(mode):
            raise UnsafeOutputError(
                "is a symbolic link inside the output folder; appeal-gen does not follow links there: "
                "remove it, or give another -o folder",
                file=path,
            )
        if i < last and not stat.S_ISDIR(mode):
            raise UnsafeOutputError("is not a folder; remove it, or give another -o folder", file=path)
    return Path(path)


def make_outdir(outdir: Path | str) -> Path:
    """OUTDIR, made with its parents if missing: every command that writes calls this first.

    OUTDIR is the user's choice (it may be a link); a file of that name, or a
    file where one of its parents should be, is a usage error naming it, exit
    2, rather than a traceback or an OS message blamed on some file inside.
    """
    path = os.fspath(outdir)
    try:
        os.makedirs(path, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise _not_a_folder(path) from None
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", file=path) from None
    if not os.path.isdir(path):  # pragma: no cover - makedirs refuses a file; a race could still leave one
        raise UnsafeOutputError("is not a folder; give a folder to -o", file=path)
    return Path(path)


def _not_a_folder(path: str) -> UnsafeOutputError:
    """The error for an OUTDIR that cannot be a folder, naming the file that is in the way."""
    blocker = path
    while blocker and not os.path.lexists(blocker):
        parent = os.path.dirname(blocker)
        if parent == blocker:
            break
        blocker = parent
    return UnsafeOutputError(
        f"is a file, not a folder, so {path} cannot be the output folder; give a folder to -o"
        if blocker != path
        else "is a file, not a folder; give a folder to -o",
        file=blocker or path,
    )


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file (0o666 less the umask): files written through a
    temporary name and renamed get it too, instead of mkstemp's 0600.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: bytes) -> None:
    write_all({path: data})


def write_all(files: Mapping[Path, bytes] | Mapping[str, bytes], *, durable: bool = True) -> None:
    """Write every file, or none of them.

    *durable*: fsync each file before it is renamed into place, so that it
    survives a power cut. A batch letter skips it (see ``batch.state.Journal``).
    """
    temps: list[tuple[str, str]] = []
    # The temporary file is created 0600; an appeal is a document to share, so
    # it gets the permissions any new file of the user's would get (0644
    # under the usual umask).
    mode = new_file_mode()
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
