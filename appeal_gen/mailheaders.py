"""The one way a value becomes an e-mail header of a draft.

Header values come from many hands: the spec's title (in any language, any
translation) is the Subject, the list's cells give To, the spec's issuer
gives From, and catalogs may one day give more. The standard library alone
does not keep such a value inside its header: it decodes RFC 2047 encoded
words when a header is set (``=?utf-8?q?x=0D=0ABcc:_a@b?=`` becomes
"x", CR, LF, "Bcc: a@b") and, in the Pythons affected by CVE-2024-6923,
writes the decoded line break as it is, which makes a real ``Bcc:`` header.
So every header goes through ``header``, which does not trust the
interpreter to be patched:

1. the name must be one of ``NAMES``;
2. the value is decoded as a mail reader would decode it (encoded words,
   repeatedly, with ``email.header.decode_header`` and with the policy's
   own parser), and every control character, line and paragraph separator
   the decoded text holds is replaced with U+FFFD (``header_text``);
3. an address header is built from ``email.headerregistry.Address`` whose
   addr-spec is checked on its own (``check_addr_spec``): one plain ASCII
   address, nothing the parser could read as a second one or decode;
4. the policy (``POLICY``: SMTP, CRLF line ends, 78 columns) encodes and
   folds the value, and the result is checked: the header parses back to
   the text meant, and every line break it holds is a fold (followed by a
   space), so the value cannot start a header of its own.

Callers that can say where a value came from (the spec, a list cell) check
it with ``header_text`` and ``check_addr_spec`` first, to report the bad
field once; ``header`` is the guard that holds whatever reaches it.
"""

from __future__ import annotations

import functools
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import Address, BaseHeader
from email.policy import SMTP

from .errors import InputError
from .sanitize import REPLACEMENT

#: Encoding and folding: CRLF line ends, lines of at most 78 characters, no 8-bit headers.
POLICY = SMTP
#: The headers a draft has; any other name is a programming error.
ADDRESS_NAMES = frozenset({"From", "To", "Reply-To"})
NAMES = ADDRESS_NAMES | {"Subject", "Date", "Message-ID", "X-Unsent", "Content-Language"}
#: C0 controls (tab, CR and LF included), DEL, C1 controls (NEL included), and the Unicode line and paragraph
#: separators that ``str.splitlines`` (used by folding code) treats as line ends.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: An encoded word begins with "=?": values without one are never decoded (the common case, at no cost).
_ENCODED = "=?"
_SPACES = re.compile(" {2,}")
#: Each round of decoding shortens the text; a value still decoding after this many rounds is refused.
_MAX_ROUNDS = 8
#: One address a mail client will not read as two, or decode: ASCII atext without quotes, a domain of labels.
_ADDR_SPEC = re.compile(
    r"[A-Za-z0-9!#$%&*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
)
#: A line break in a folded header that is not a fold (CRLF then a space): what CVE-2024-6923 lets through.
_UNFOLDED_BREAK = re.compile(r"\r\n(?![ \t])|\r(?!\n)|(?<!\r)\n")


class MailError(InputError):
    """A value cannot go into an e-mail header (an address with a line break, a name not allowed)."""


def header_text(value: str) -> tuple[str, list[str]]:
    """The text a mail reader shows for *value*, and the code points replaced with U+FFFD.

    Encoded words are decoded (again, while they decode to more of them)
    before controls are looked for, so a line break hidden in
    ``=?utf-8?b?...?=`` is found like a plain one.

    >>> header_text("Release =?utf-8?q?Ana=0D=0ABcc:_x@y.org?=")
    ('Release Ana\\ufffd\\ufffdBcc: x@y.org', ['U+000D', 'U+000A'])
    >>> header_text("Défenseurs")
    ('Défenseurs', [])
    """
    text, found = _replace(value)
    for _ in range(_MAX_ROUNDS):
        if _ENCODED not in text:
            break
        decoded = _decode(text)
        if decoded == text:
            break
        text, more = _replace(decoded)
        found += more
    else:
        raise MailError("has encoded words nested too deep to be a header value")
    # Spaces at either end, or several in a row, mean nothing in a Subject, and the library's folding
    # drops the space between two encoded words when it folds at a run of spaces or the value starts
    # with one: one space each, so that the reader sees every space there is.
    return _SPACES.sub(" ", text).strip(" "), found


def _replace(text: str) -> tuple[str, list[str]]:
    found = [f"U+{ord(c):04X}" for c in _CONTROLS.findall(text)]
    return (_CONTROLS.sub(REPLACEMENT, text), found) if found else (text, [])


def _decode(text: str) -> str:
    """*text* with its encoded words decoded, by ``decode_header`` and then by the policy's own parser.

    Both, because they differ (the policy's parser also decodes words that
    touch other text, and leaves broken ones alone), and the parser is what
    the header will be made with.
    """
    try:
        text = str(make_header(decode_header(text)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        pass  # a broken encoded word: decode_header refuses it; the parser below keeps it as text
    return str(POLICY.header_factory("Subject", text))


def shown(text: str) -> str:
    """*text* for a one-line message: line breaks and other controls written as escapes.

    A value quoted in an error (an address with a line break in it) must not
    split the message over lines: "one line per problem" is what editors, CI
    logs and the tests read.

    >>> shown("a@example.org\\nBcc: b@example.org")
    'a@example.org\\\\nBcc: b@example.org'
    """
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def check_addr_spec(addr_spec: str) -> str | None:
    """Why *addr_spec* cannot be one address in a header, or None.

    >>> check_addr_spec("a.b@example.org") is None
    True
    >>> check_addr_spec("a@example.org, b@example.org")
    'is not one plain address (name@example.org): no spaces, quotes, <>, commas or line breaks'
    """
    if not _ADDR_SPEC.fullmatch(addr_spec) or _ENCODED in addr_spec:
        if any(ord(c) > 127 for c in addr_spec) and not _CONTROLS.search(addr_spec):
            return "is not a plain ASCII address; write the domain in its xn-- form and the name part in ASCII"
        return "is not one plain address (name@example.org): no spaces, quotes, <>, commas or line breaks"
    return None


def header(name: str, value: str, *, display_name: str = "", field: str | None = None) -> BaseHeader:
    """The header *name* holding *value*, ready for ``msg[name] = ...``; see the module docstring.

    For an address header *value* is the addr-spec and *display_name* the
    name shown with it. *field* names where the value came from, for the
    error. Headers are immutable once made, so the ones that repeat from
    letter to letter (a language's Subject, the From) are made once.
    """
    if name not in NAMES:
        raise MailError(f"'{name}' is not a header appeal-gen writes", field=field)
    return _header(name, value, display_name, field)


@functools.lru_cache(maxsize=256)
def _header(name: str, value: str, display_name: str, field: str | None) -> BaseHeader:
    if name in ADDRESS_NAMES:
        problem = check_addr_spec(value)
        if problem:
            raise MailError(f"'{shown(value)}' {problem}", field=field)
        display, _ = header_text(display_name)
        made = POLICY.header_factory(name, [Address(display_name=display, addr_spec=value)])
        got = made.addresses
        meant = len(got) == 1 and got[0].addr_spec == value and got[0].display_name == display
    else:
        text, _ = header_text(value)
        made = POLICY.header_factory(name, text)
        meant = str(made) == text
        if meant and _read_back(name, made.fold(policy=POLICY)) != text:
            made = _Prefolded.make(name, text)
    folded = made.fold(policy=POLICY)
    if not meant or not folded.startswith(f"{name}:") or _UNFOLDED_BREAK.search(folded[:-2]):
        raise MailError(f"cannot be written as the {name} header of a draft: '{shown(value)}'", field=field)
    if not isinstance(made, _Prefolded):
        _keep_fold(made, folded)
    return made


def _keep_fold(made: BaseHeader, folded: str) -> None:
    """Make *made* write the *folded* text it was checked with, instead of folding itself again.

    Folding is most of the cost of writing a draft (the library's folder
    parses the value again, every time), and the headers that repeat from
    letter to letter (a language's Subject, the From with the issuer's name)
    are made once: they are folded once too. Another policy folds afresh.
    """
    fold = made.fold

    def folded_once(*, policy: object) -> str:
        return folded if policy is POLICY else fold(policy=policy)  # type: ignore[arg-type]

    made.fold = folded_once  # type: ignore[method-assign]


def _read_back(name: str, folded: str) -> str:
    """What a mail reader makes of *folded*: unfolded, encoded words decoded (by the policy's parser)."""
    value = folded[len(name) + 1 :].removesuffix("\r\n").replace("\r\n", "")
    return str(POLICY.header_factory(name, value.lstrip(" ")))


class _Prefolded(str):
    """A text header folded by ``email.header.Header``, written by the policy as it is.

    The policy's own folding loses a space next to an encoded word in some
    texts (a fold between two encoded words, CPython's folder); when the
    folded header does not read back as the text, the value is encoded
    whole by ``email.header.Header``, which keeps every space inside its
    encoded words. The str is the text, as ``str(msg[name])`` gives it.
    """

    name: str
    folded: str

    @classmethod
    def make(cls, name: str, text: str) -> BaseHeader:
        from email.header import Header

        made = cls(text)
        made.name = name
        encoded = Header(text, "utf-8", maxlinelen=POLICY.max_line_length, header_name=name).encode(linesep="\r\n")
        made.folded = f"{name}: {encoded}\r\n"
        if _read_back(name, made.folded) != text:
            raise MailError(f"cannot be written as the {name} header of a draft: '{shown(text)}'")
        return made  # type: ignore[return-value] # what a message needs of a header: name, fold, str

    def fold(self, *, policy: object) -> str:
        return self.folded
