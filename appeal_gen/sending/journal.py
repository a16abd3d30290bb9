"""The send journal: what became of each message, written to disk before and after it is handed over.

One JSON line per step, appended and flushed to disk (``fsync``) before
the step it announces, in ``OUTDIR/.appeal-gen/send.jsonl``:

- ``sending``: the transaction of a message is about to start (MAIL FROM);
- ``committing``: everything but the final "." of DATA has gone; the
  next bytes make the server accept the message;
- ``sent`` (the server's 250), ``failed`` (a 5xx, for good) or
  ``deferred`` (4xx answers until the retries ran out).

A message is known by its Message-ID (the drafts make it from the row
and the content). On a rerun, the last line of each message decides:
``sent`` is never sent again; ``sending`` is sent again (a server accepts
nothing before the final "."); ``failed`` only with ``--retry-failed``;
``deferred`` is tried again. ``committing`` is the one ambiguity no
client can remove: the server may have accepted the message in the
moment between the final "." and the journal's next line (a kill -9,
a power cut, a dropped connection). It is *unconfirmed*: never sent again
by itself (a second copy to an official is the error this journal exists
to prevent), listed by every run, and sent again only when the user names
its row with ``--only`` after checking the server's log or sent folder.
The journal is locked (``flock``) while a run sends, so two runs cannot
send the same message.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..output import OutputError, safe_path

NAME = "send.jsonl"
STATE_DIR = ".appeal-gen"
#: A message's last step -> what a rerun does with it.
DONE, FAILED, DEFERRED, UNCONFIRMED, STARTED = "sent", "failed", "deferred", "committing", "sending"


class Journal:
    """The journal of one output folder, open for appending, locked against a second run."""

    def __init__(self, outdir: Path, *, read_only: bool = False) -> None:
        self.path = safe_path(outdir, STATE_DIR, NAME, make_folders=not read_only)
        self.state: dict[str, dict[str, Any]] = {}
        self.fd = -1
        flags = os.O_RDONLY if read_only else os.O_RDWR | os.O_CREAT | os.O_APPEND
        try:
            self.fd = os.open(self.path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            if read_only:
                return
            raise
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.path)) from None
        st = os.fstat(self.fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
            self.close()
            raise OutputError("is not a plain file of its own; remove it", file=str(self.path))
        if not read_only:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.close()
                raise UsageError(f"{self.path}: another 'appeal-gen send' is sending from this folder") from None
        self._read()

    def _read(self) -> None:
        with open(self.fd, "rb", closefd=False) as fh:
            fh.seek(0)
            for raw in fh:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue  # a line cut short by a crash: the step it announced did not start
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    self.state[entry["id"]] = {**self.state.get(entry["id"], {}), **entry}

    def last(self, message_id: str) -> dict[str, Any] | None:
        return self.state.get(message_id)

    def write(self, message_id: str, step: str, **details: Any) -> None:
        """Append *step* of *message_id* and make it durable before returning."""
        entry = {"id": message_id, "state": step, **details}
        data = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            os.write(self.fd, data)
            os.fsync(self.fd)
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.path)) from None
        self.state[message_id] = {**self.state.get(message_id, {}), **entry}

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
