"""A batch worker's start-up, done once before the workers are forked.

Every worker of a batch needs the same things before its first letter in a
language: the fonts of its script parsed (a quarter of a second for a CJK
font), the language's letter resolved and its DOCX template compiled. Done
in each worker, that was repeated by every worker that met the language.

multiprocessing's fork server imports the modules named in
``set_forkserver_preload`` once and then forks every worker from itself, so
what those imports leave in memory every worker starts with (shared
copy-on-write). ``forkserver`` names this module last among them and passes
what to prepare in the fork server's environment (``forkserver.WARMUP_ENV``:
the spec and the options, packed); importing this module builds a worker's
renderer there (``worker.LetterRenderer.prepare`` for each of the appeal's
languages). Only the fork server imports it; it runs while the
parent still reads the recipient list, so the two overlap.

A worker takes the prepared renderer only if it was made for its run
(``forkserver.take_prepared`` compares a digest of the spec, the options and
each language's catalogs, template and code): a fork server outlives one
run when a program calls ``run_batch`` twice. Anything that goes wrong here
is left for the worker to meet and report as it would have without this
module.
"""

from __future__ import annotations

import base64
import os
import pickle
import zlib
from typing import Any

#: (digest of what it was made from, the renderer), or None.
READY: tuple[str, Any] | None = None


def _prepare() -> None:
    global READY
    from ...spec import parse_spec
    from ..worker import LetterRenderer
    from .forkserver import WARMUP_ENV, warm_languages, warm_token

    packed = os.environ.pop(WARMUP_ENV, None)  # workers forked from here need not carry it
    if not packed:
        return
    try:
        request = pickle.loads(zlib.decompress(base64.b64decode(packed)))
        spec = parse_spec(request["spec_text"], request["spec_path"])
        languages = warm_languages(spec)
        renderer = LetterRenderer(spec, request["options"])
        for lang in languages:
            renderer.prepare(lang)
        READY = (warm_token(request["spec_text"], spec.path, request["options"], languages), renderer)
    except Exception:  # noqa: BLE001 - an optimisation: the worker prepares itself and reports any error
        READY = None


_prepare()
