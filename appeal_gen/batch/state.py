"""The run's own files in OUTDIR: the lock, the journal, the checks of what OUTDIR holds.

OUTDIR's contents are not trusted (SECURITY.md): every state file is opened
without following links and refused when it is a second name of another
file, and a journal entry naming any file but a letter's or a combined
PDF's is ignored, never read or removed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..locale import LANGUAGE_TOKEN
from ..output import OutputError, UnsafeOutputError, make_outdir, safe_path, write_all
from .model import COMBINED_DIR, LETTERS_DIR, STATE_DIR, BatchLockedError

JOURNAL = "journal.jsonl"
#: The first line of a finished run's journal: it records combined PDFs too (``sink.Sink.may_replace``).
JOURNAL_MARK = {"journal": 2}
#: The names of appeal-gen's temporary files: ``output._create_temporary``'s and ``tempfile.mkstemp``'s.
TEMPORARY = re.compile(r"\..+\.(?:[0-9]+-[0-9]+|[a-z0-9_]{8})\.part")
#: A file a journal entry may name: ``letters/<stem>.<lang>.<format>`` or ``combined/<slug>.<lang>.pdf``.
_JOURNAL_PATH = re.compile(
    rf"(?:letters/[^/]+\.{LANGUAGE_TOKEN.pattern}\.(?:pdf|docx|html|txt|eml)"
    rf"|combined/[a-z0-9-]+\.{LANGUAGE_TOKEN.pattern}\.pdf)"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Lock:
    """``OUTDIR/.appeal-gen/lock``, held (``fcntl.flock``) for the whole run: one batch per folder."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.fd: int | None = None

    def __enter__(self) -> None:
        try:
            make_outdir(self.outdir)
            fd = open_state(safe_path(self.outdir, STATE_DIR, "lock"), os.O_RDWR | os.O_CREAT)
        except OSError as exc:
            raise OutputError(f"cannot create the output folder: {exc.strerror}", file=str(self.outdir)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip()
            os.close(fd)
            raise BatchLockedError(
                f"another appeal-gen batch is writing to this folder ({holder or 'process unknown'}); "
                "wait for it to finish, or give another -o folder",
                file=str(self.outdir),
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        self.fd = fd

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock


def check_outdir(outdir: Path) -> None:
    """Refuse an output folder whose own entries are links (or not what they should be), touching nothing.

    OUTDIR's contents are not trusted: a link planted at ``.appeal-gen``,
    its lock or journal, ``letters`` or ``combined`` would make a run write,
    append to or delete files elsewhere. OUTDIR itself is the user's choice.
    """
    entries = {
        STATE_DIR: stat.S_ISDIR,
        LETTERS_DIR: stat.S_ISDIR,
        COMBINED_DIR: stat.S_ISDIR,
        f"{STATE_DIR}/lock": stat.S_ISREG,
        f"{STATE_DIR}/{JOURNAL}": stat.S_ISREG,
        f"{STATE_DIR}/layouts": stat.S_ISDIR,
        "manifest.csv": stat.S_ISREG,
        "manifest.json": stat.S_ISREG,
    }
    try:
        # A handful of combined PDFs, read once a run (letters are checked one by one as they are written).
        entries.update(
            (f"{COMBINED_DIR}/{e.name}", stat.S_ISREG) for e in os.scandir(outdir / COMBINED_DIR) if e.is_symlink()
        )
    except OSError:
        pass  # no combined/ yet, or not a folder: said below
    for rel, is_kind in entries.items():
        path = outdir / rel
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise OutputError.from_os(exc, str(path)) from None
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            raise UnsafeOutputError(
                "is a symbolic link; appeal-gen does not follow links inside its output folder: "
                "remove it, or give another -o folder",
                file=str(path),
            )
        if rel.startswith(f"{STATE_DIR}/") and stat.S_ISREG(mode) and st.st_nlink > 1:
            raise UnsafeOutputError("is linked to another file; remove it, or give another -o folder", file=str(path))
        if not is_kind(mode):
            kind = "folder" if is_kind is stat.S_ISDIR else "file"
            raise UnsafeOutputError(
                f"is not a {kind} appeal-gen made; remove it, or give another -o folder", file=str(path)
            )


def clean_temporaries(outdir: Path) -> None:
    """Remove ``.part`` files a killed run left (the lock says none is running).

    Only names appeal-gen's temporaries have, and only files (``check_outdir``
    refused links at the folders).
    """
    letters = safe_path(outdir, LETTERS_DIR, make_folders=False)
    for folder in (outdir, letters, outdir / COMBINED_DIR, outdir / STATE_DIR):
        if folder.is_dir():
            for p in folder.iterdir():
                if TEMPORARY.fullmatch(p.name) and stat.S_ISREG(p.lstat().st_mode):
                    p.unlink()


def open_state(path: Path, flags: int) -> int:
    """A state file opened without following a link, refused when it is another file's second name.

    A hard link planted at ``.appeal-gen/lock`` or ``journal.jsonl`` would
    have the run truncate or append to a file elsewhere.
    """
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        os.close(fd)
        raise UnsafeOutputError("is linked to another file; remove it, or give another -o folder", file=str(path))
    return fd


@dataclass
class JournalRecord:
    """What the last run's journal says (``read_journal``)."""

    #: Its rows by stem.
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The files it recorded: path -> sha256.
    owned: dict[str, str] = field(default_factory=dict)
    #: How many entries were ignored (naming a file appeal-gen does not write).
    ignored: int = 0
    #: Whether it records combined PDFs (``JOURNAL_MARK``; journals of earlier versions do not).
    marked: bool = False


def read_journal(outdir: Path) -> JournalRecord:
    """The last run's journal, as far as it can be trusted.

    The journal lies in OUTDIR, which is not trusted: an entry naming any
    file but ``letters/<stem>.<lang>.<format>`` or ``combined/<slug>.<lang>.pdf``
    (``/etc/passwd``, ``../outside.pdf``) is ignored, and never read or removed.
    """
    record = JournalRecord()
    path = safe_path(outdir, STATE_DIR, JOURNAL, make_folders=False)
    try:
        fd = open_state(path, os.O_RDONLY)
    except FileNotFoundError:
        return record
    except OSError as exc:
        raise OutputError.from_os(exc, str(path)) from None
    with open(fd, encoding="utf-8", errors="replace") as fh:
        for line in _journal_lines(fh):
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):
                # The last line of a killed run may be cut short; a planted one may nest
                # deeper than the JSON decoder's recursion allows.
                continue
            if not isinstance(entry, dict):
                continue
            if entry == JOURNAL_MARK:
                record.marked = True
                continue
            if isinstance(entry.get("combined"), str):
                rel, digest = entry["combined"], entry.get("sha256")
                if _JOURNAL_PATH.fullmatch(rel) and rel.startswith(f"{COMBINED_DIR}/") and isinstance(digest, str):
                    record.owned[rel] = digest
                else:
                    record.ignored += 1
                continue
            stem = entry.get("stem")
            if not isinstance(stem, str):
                continue
            files = entry.get("files")
            if not isinstance(files, dict) or not all(_journal_file(stem, fmt, f) for fmt, f in files.items()):
                record.ignored += 1
                continue
            record.entries[stem] = entry
            record.owned.update((rel, digest) for rel, digest in files.values())
    return record


#: The longest journal line read: appeal-gen writes one row's stem, status and three file names and
#: hashes (under 2 KB); a longer line is a planted one, skipped unread so memory stays bounded.
MAX_JOURNAL_LINE = 64 * 1024


def _journal_lines(fh: IO[str]) -> Iterator[str]:
    """The journal's lines, each at most ``MAX_JOURNAL_LINE`` characters; longer ones are skipped whole.

    ``for line in fh`` would read a planted gigabyte line into memory before
    the entry is looked at (the journal lies in OUTDIR, which is not trusted).
    """
    while line := fh.readline(MAX_JOURNAL_LINE + 1):
        if len(line) <= MAX_JOURNAL_LINE:
            yield line
            continue
        while line and not line.endswith("\n"):  # the rest of the long line, in bounded pieces
            line = fh.readline(MAX_JOURNAL_LINE + 1)


def _journal_file(stem: str, fmt: object, value: object) -> bool:
    """Is *value* ``[letters/<stem>.<lang>.<fmt>, sha256]``, as appeal-gen writes it?"""
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return False
    rel, digest = value
    return (
        isinstance(fmt, str)
        and rel.startswith(f"{LETTERS_DIR}/{stem}.")
        and rel.endswith(f".{fmt}")
        and _JOURNAL_PATH.fullmatch(rel) is not None
        and _SHA256.fullmatch(digest) is not None
    )


class Journal:
    """Append-only record of finished rows, each line written after its files are renamed into place.

    Each line reaches the operating system at once (a killed process loses
    nothing) and the disk at least once a second: fsyncing every line and
    every letter cost more than rendering them. After a power cut the journal
    may name a letter whose file did not reach the disk; the rerun's hash
    check then renders it again.
    """

    SYNC_SECONDS = 1.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: IO[str] | None = open(open_state(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a", encoding="utf-8")
        self.lines: list[str] = []
        self.synced = time.monotonic()

    def append(self, entry: dict[str, Any]) -> None:
        assert self.fh is not None
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        try:
            self.fh.write(line)
            self.fh.flush()
            now = time.monotonic()
            if now - self.synced >= self.SYNC_SECONDS:
                os.fsync(self.fh.fileno())
                self.synced = now
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.path)) from None
        self.lines.append(line)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def compact(self) -> None:
        """Keep only this run's rows, so the journal never grows across reruns."""
        self.close()
        write_all({self.path: (json.dumps(JOURNAL_MARK) + "\n" + "".join(self.lines)).encode()})
