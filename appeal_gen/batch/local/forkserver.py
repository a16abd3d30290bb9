"""The fork server the local workers come from, started early and warmed up for the run.

multiprocessing's fork server imports ``PRELOAD`` once and forks every
worker from itself, so what those imports (and ``_warmup``, named last)
leave in memory every worker starts with, shared copy-on-write. What the
warm-up is to prepare (the spec and the options) travels in the fork
server's environment (``WARMUP_ENV``); a worker takes what was prepared only
when its ``warm_token`` matches its run's (a fork server outlives one run).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from typing import Any

from ...spec import Spec
from ..model import BatchOptions
from ..planning import environment_hash
from ..worker import LetterRenderer

#: Holds what the fork server is to prepare (``request_warmup``; read by ``_warmup``).
WARMUP_ENV = "APPEAL_GEN_WARMUP"
#: The largest request passed to the fork server (its environment holds at most 128 KB a variable).
WARMUP_MAX = 100_000
WARMUP_MODULE = "appeal_gen.batch.local._warmup"

#: What the fork server imports once for every worker: the renderers and what they import on a
#: worker's first letters (about 0.2 s of CPU that each worker would spend again). A name that
#: is no longer there is skipped.
PRELOAD = (
    "appeal_gen.batch.local.pool",
    "appeal_gen.render.pdf",
    "appeal_gen.render.docx",
    "appeal_gen.render.compose",
    "appeal_gen.mail",
    "appeal_gen.sandbox",
    "reportlab.platypus",
    "reportlab.pdfbase.ttfonts",
    "docx",
    "docxtpl",
    "jinja2.sandbox",
    "lxml.etree",
    "fontTools.ttLib",
    "uharfbuzz",
    "icu4py.breakers",
    "arabic_reshaper",
    "bidi.algorithm",
    "babel.dates",
    "babel.numbers",
    "PIL.Image",
    "email.policy",
)


def start(spec_text: str, spec_path: str, options: BatchOptions) -> None:
    """Start the fork server, asked to prepare this run's languages: first thing in a run.

    Its start-up (an interpreter and ``PRELOAD``) then overlaps the parent's
    reading of the spec and the list.
    """
    fork_server(request_warmup(spec_text, spec_path, options))


def warm_token(
    spec_text: str,
    spec_path: str,
    options: BatchOptions,
    languages: tuple[str, ...],
    environment: Callable[[str], str] | None = None,
) -> str:
    """What a prepared renderer was made from: spec, options, and each language's catalogs, template and code.

    *environment* gives a language's ``planning.environment_hash``; the
    parent passes the one its fingerprints already computed, rather than
    read every catalog and template again.
    """
    h = hashlib.sha256(f"{spec_path}\0{languages}\0".encode())
    for lang in languages:
        h.update((environment(lang) if environment else environment_hash(spec_text, lang, options)).encode())
    return h.hexdigest()


def warm_languages(spec: Spec) -> tuple[str, ...]:
    """The languages the fork server prepares: the appeal's, which a campaign's rows mostly ask for."""
    return spec.content_languages()


def request_warmup(spec_text: str, spec_path: str, options: BatchOptions) -> str | None:
    """What the fork server, about to start, is to prepare (``_warmup``): spec and options, packed.

    It travels in the fork server's environment, so that nothing is written
    anywhere (a run killed with kill -9 leaves nothing behind). A spec too
    big for that is not prepared in advance: its workers prepare themselves.
    """
    import base64
    import pickle
    import zlib

    request = pickle.dumps({"spec_text": spec_text, "spec_path": spec_path, "options": options})
    packed = base64.b64encode(zlib.compress(request, 6)).decode("ascii")
    return packed if len(packed) <= WARMUP_MAX else None


def take_prepared(token: str | None) -> LetterRenderer | None:
    """The renderer the fork server prepared (``_warmup``), if it was made for this run."""
    warm = sys.modules.get(WARMUP_MODULE)
    ready = getattr(warm, "READY", None)
    if token is None or ready is None or ready[0] != token:
        return None
    renderer: LetterRenderer = ready[1]
    return renderer


def fork_server(warmup: str | None = None) -> Any:
    """The fork server, started if it is not running yet (it returns at once: the server imports in the background)."""
    import multiprocessing
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([*PRELOAD, WARMUP_MODULE])
    if warmup is None:
        forkserver.ensure_running()
        return ctx
    # The fork server takes the environment it starts with: _warmup reads
    # the request from it (a server already running keeps what it has).
    os.environ[WARMUP_ENV] = warmup
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(WARMUP_ENV, None)
    return ctx
