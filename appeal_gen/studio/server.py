"""Starting the studio: a socket on loopback, a fresh token, uvicorn.

The port is bound here, before uvicorn starts, so the printed URL names a
port that is already ours (``--port 0``, the default, lets the system pick
a free one) and the allowed ``Host`` values are known exactly.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int) -> list[str]:
    """The ``Host`` header values the studio answers to (anything else may be DNS rebinding)."""
    names = {host}
    if is_loopback(host):
        names |= {"127.0.0.1", "localhost"}
    return [f"[{n}]:{port}" if ":" in n else f"{n}:{port}" for n in sorted(names)]


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"--port: cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(
    folder: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    """Run the studio on FOLDER until interrupted."""
    try:
        import uvicorn
    except ImportError:
        raise UsageError("the studio needs its extra: pip install 'appeal-gen[studio]'") from None
    from .app import create_app

    if not Path(folder).is_dir():
        raise UsageError(f"{folder}: not a folder")
    if not is_loopback(host):
        print(
            f"warning: --host {host}: the studio is reachable from other machines on that network; "
            "anyone with the URL and its token can read and change the appeals in the folder",
            file=sys.stderr,
        )
    sock = bind(host, port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    app = create_app(folder, token, allowed_hosts(host, port))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/?token={token}"
    say(f"appeal-gen studio: serving {Path(folder).resolve()} at {url}")
    say("(press Ctrl+C to stop)")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


class Running:
    """A studio served from a thread (tests, benchmarks): ``url`` carries the token; ``stop()`` ends it."""

    def __init__(self, folder: str, host: str = "127.0.0.1") -> None:
        import uvicorn

        from .app import create_app

        self.sock = bind(host, 0)
        port = self.sock.getsockname()[1]
        self.token = secrets.token_urlsafe(32)
        self.base = f"http://{host}:{port}/"
        self.url = f"{self.base}?token={self.token}"
        app = create_app(folder, self.token, allowed_hosts(host, port))
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the studio did not start")
            threading.Event().wait(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
