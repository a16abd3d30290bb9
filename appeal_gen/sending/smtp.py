"""The SMTP server: its URL, its credentials, and a connection with the TLS the URL asks for.

``smtp://host[:port]`` is STARTTLS (port 587), required: a server that
does not offer it is refused, never used in clear. ``smtps://`` is TLS
from the first byte (port 465). Plain SMTP is allowed only with
``--no-tls`` and only to a loopback address (a local relay, a test
server): a password or a letter about a defender must not cross a
network in clear. Certificates are checked against the system's
authorities, or against the file given with ``--cafile`` (a self-signed
certificate is trusted only when named there, never silently).
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import AppealGenError, UsageError

#: The environment variables credentials are read from (``--password-env`` names another).
PASSWORD_ENV = "APPEAL_GEN_SMTP_PASSWORD"
USER_ENV = "APPEAL_GEN_SMTP_USER"
TIMEOUT = 60.0


class SendError(AppealGenError):
    """The server could not be reached or the conversation broke off: the run stops, the journal says where."""


class AuthError(SendError):
    """The server refused the credentials: stop at once (retrying would lock the account)."""

    exit_code = 2


@dataclass(frozen=True)
class Server:
    scheme: str
    host: str
    port: int
    user: str | None = None


def parse_url(url: str, *, no_tls: bool = False) -> Server:
    """*url* as a server, refusing a password in it and plain SMTP anywhere but on this machine."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"--smtp: '{url}' is not a URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise UsageError(f"--smtp: '{url}' is not smtp://[user@]host[:port] or smtps://[user@]host[:port]")
    if parts.password is not None:
        raise UsageError(
            f"--smtp: a password is not taken from the command line (other users of this machine can read it); "
            f"set {PASSWORD_ENV} or put it in ~/.netrc"
        )
    if no_tls:
        if scheme == "smtps":
            raise UsageError("--no-tls: smtps:// is TLS; use smtp:// for a plain local relay")
        if not is_loopback(parts.hostname):
            raise UsageError(
                f"--no-tls: {parts.hostname} is not this machine; plain SMTP is allowed only to a loopback "
                "address (127.0.0.1, ::1, localhost)"
            )
    default = 465 if scheme == "smtps" else 25 if no_tls else 587
    user = unquote(parts.username) if parts.username else None
    return Server(scheme, parts.hostname, port or default, user)


def is_loopback(host: str) -> bool:
    """Whether every address *host* names is a loopback address (a name is resolved, and all its answers count)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


def credentials(server: Server, password_env: str = PASSWORD_ENV) -> tuple[str, str] | None:
    """(user, password) from the environment, else from ``~/.netrc`` (machine = the host), else None."""
    password = os.environ.get(password_env)
    if password:
        user = server.user or os.environ.get(USER_ENV)
        if not user:
            raise UsageError(f"{password_env} is set but no user is: give smtp://USER@host or set {USER_ENV}")
        return user, password
    import netrc

    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(server.host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    if entry is None:
        return None
    login, _, secret = entry
    if server.user and login and login != server.user:
        return None
    return (server.user or login), secret or ""


def tls_context(cafile: str | None) -> ssl.SSLContext:
    """Certificates checked (the system's authorities, or only those of *cafile*), host names matched."""
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"--cafile: {cafile}: {exc}") from None


def connect(
    server: Server, *, no_tls: bool, cafile: str | None, login: tuple[str, str] | None, timeout: float = TIMEOUT
) -> smtplib.SMTP:
    """A connection ready for MAIL FROM: TLS as the URL asks, logged in when there are credentials."""
    where = f"{server.host}:{server.port}"
    try:
        if server.scheme == "smtps":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout, context=tls_context(cafile)
            )
        else:
            conn = smtplib.SMTP(server.host, server.port, timeout=timeout)
            if not no_tls:
                conn.ehlo()
                if not conn.has_extn("starttls"):
                    conn.quit()
                    raise SendError(f"{where} does not offer STARTTLS; use smtps:// or another server")
                conn.starttls(context=tls_context(cafile))
        conn.ehlo()
        if login:
            try:
                _login(conn, *login)
            except smtplib.SMTPAuthenticationError as exc:
                conn.close()
                raise AuthError(
                    f"{where} refused the login of '{login[0]}': {reply_text(exc.smtp_code, exc.smtp_error)}"
                ) from None
            except smtplib.SMTPNotSupportedError:
                conn.close()
                raise SendError(f"{where} does not offer authentication (AUTH PLAIN or LOGIN)") from None
    except ssl.SSLCertVerificationError as exc:
        raise SendError(
            f"{where}: the server's certificate is not trusted ({exc.verify_message}); if it is your own "
            "server's, name its certificate with --cafile"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{where}: cannot connect: {exc}") from None
    return conn


def _login(conn: smtplib.SMTP, user: str, password: str) -> None:
    """One AUTH, PLAIN (or else LOGIN): smtplib's ``login`` tries every mechanism after a refusal, which
    some servers answer by hanging until the time-out, and which counts as several failures against the account.
    """
    offered = conn.esmtp_features.get("auth", "").upper().split()
    mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError("no AUTH PLAIN or LOGIN")
    conn.user, conn.password = user, password
    conn.auth(mechanism, conn.auth_plain if mechanism == "PLAIN" else conn.auth_login)


def reply_text(code: int, message: bytes | str) -> str:
    """A server's answer as one line: "451 4.7.1 try later"."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"
