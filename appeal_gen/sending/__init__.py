"""Sending a batch's e-mail drafts: ``appeal-gen send OUTDIR --smtp URL`` (docs/email.md).

``smtp`` reads the server's URL, finds credentials (an environment
variable or ``~/.netrc``, never the command line) and connects with the
TLS the URL asks for; ``journal`` records each message before and after
it is handed over, so that a rerun after a crash or ``kill -9`` sends no
message twice; ``run`` walks the batch's manifest, paces the messages,
retries temporary refusals and writes each row's send status into the
manifest. Nothing here renders anything: a draft is sent as it was
written, less its ``X-Unsent`` header.
"""

from __future__ import annotations

from .run import SendOptions, SendResult, send

__all__ = ["SendOptions", "SendResult", "send"]
