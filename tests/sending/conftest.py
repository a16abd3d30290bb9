"""A real SMTP server (aiosmtpd) on 127.0.0.1 in the test process, and a batch run with drafts to send."""

from __future__ import annotations

import shutil
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..conftest import EXAMPLE, run

RECIPIENTS = EXAMPLE.parent / "recipients.csv"


@dataclass
class Handler:
    """Keeps every message it accepts; answers what the test tells it to."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    #: Answers to DATA, used up one by one before the default 250.
    data_answers: list[str] = field(default_factory=list)
    #: Recipient -> the answer to its RCPT TO.
    refuse: dict[str, str] = field(default_factory=dict)
    #: Called with the number of messages accepted so far, after each one (before the 250 goes out).
    on_message: Callable[[int], None] | None = None
    #: Called with the number of RCPT TO commands so far, before answering one.
    on_rcpt: Callable[[int], None] | None = None
    rcpts: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        self.rcpts += 1
        if self.on_rcpt:
            self.on_rcpt(self.rcpts)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_answers:
            return self.data_answers.pop(0)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.on_message:
            self.on_message(len(self.messages))
        return "250 2.0.0 queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    handler: Handler
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., Server]]:
    """Starts servers on 127.0.0.1 (keyword arguments go to aiosmtpd's Controller: TLS, authentication)."""
    from aiosmtpd.controller import Controller

    started: list[Any] = []

    def start(**kwargs: Any) -> Server:
        handler = Handler()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return Server(handler, port)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="session")
def batch_drafts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example batch with drafts, made once; tests take a copy."""
    out = tmp_path_factory.mktemp("batch") / "out"
    capsys = _NoCapture()
    code, _, _ = run(capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(out), "--eml",
                     "--jobs", "1", "--quiet")  # fmt: skip
    assert code == 0
    return out


@pytest.fixture
def drafts(batch_drafts: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(batch_drafts, out)
    return out


class _NoCapture:
    def readouterr(self) -> tuple[str, str]:
        return "", ""


def self_signed(tmp_path: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate for localhost/127.0.0.1 made here (``cryptography``), and a server context using it."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context
