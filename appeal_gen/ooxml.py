"""The one inspection of a Word package: every template we use and every DOCX we write.

A DOCX is a zip of XML parts, and Word acts on some of what they say when a
letter is merely opened: a relationship with ``TargetMode="External"`` (a
remote attached template, an OLE link, a frame, an ``altChunk``) makes it
fetch a file, and so does a field code such as ``INCLUDEPICTURE``,
``INCLUDETEXT``, ``LINK`` or ``DDE``, which may be split over several runs.
A search over the raw bytes misses single quotes, spaces around ``=``, an
attribute order, a UTF-16 part or a UNC path, so each part is *parsed*
(expat, in whatever encoding it declares) and inspected element by element.

The zip itself is checked from its central directory before any entry is
read (count, total size, compression ratio), and entries are then read in
chunks with a hard cap, because the sizes in a zip's headers can lie.

The zip's limits are this module's constants, read when they are used (a
test may lower them); the template file's size and the rendering limits are
``appeal_gen.sandbox``'s, which imports this module, never the reverse.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.parsers import expat

from .errors import TemplateError, TemplateLimitError

#: Sum of the uncompressed sizes of a package's zip entries.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
#: Uncompressed / compressed size for any entry larger than 1 MiB (Word's
#: own XML compresses about 10:1; a zip bomb compresses 1000:1).
MAX_COMPRESSION_RATIO = 100
#: Entries in a package.
MAX_ZIP_ENTRIES = 2000

#: Field codes that make Word read a file or another program's data, or run
#: something, when the document is opened or its fields are updated.
FETCHING_FIELDS = frozenset(
    {
        "INCLUDEPICTURE",
        "INCLUDETEXT",
        "INCLUDE",
        "IMPORT",
        "LINK",
        "DDE",
        "DDEAUTO",
        "DATABASE",
        "RD",
        "EMBED",
        "MACROBUTTON",
        "AUTOTEXTLIST",
        "PRINT",
    }
)
#: The only schemes a hyperlink may use; SECURITY.md says the same of spec links.
WEB_SCHEMES = ("http:", "https:", "mailto:")

#: Elements refused wherever they are (WordprocessingML's; any OLEObject), and why.
_REFUSED_ELEMENTS = {
    "OLEObject": "embeds an OLE object, which Word may load from outside the document",
    "control": "embeds an ActiveX control",
    "altChunk": "imports another document (altChunk), which Word converts when the letter is opened",
    "connectString": "has a mail-merge data source, which Word reads when the letter is opened",
    "query": "has a mail-merge data source, which Word reads when the letter is opened",
    "dataSource": "has a mail-merge data source, which Word reads when the letter is opened",
}
_CHUNK = 64 * 1024
#: The relationship namespaces (transitional, strict) of attributes such as ``r:id``, ``r:link``, ``r:embed``.
_R_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
#: The elements that may name an external hyperlink relationship: a click opens it, nothing fetches it.
_HYPERLINK_ELEMENTS = frozenset({"hyperlink", "hlinkClick", "hlinkHover"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_FIELD_NAME = re.compile(r"\s*([A-Za-z]+)")
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
#: Switches of a HYPERLINK field that take an argument (the target is the first other word).
_HYPERLINK_ARG_SWITCHES = frozenset({"\\l", "\\o", "\\t"})


class UnsafePartError(TemplateError):
    """A part of a Word package that points outside it or cannot be read safely."""


# --------------------------------------------------------------------------
# The zip


class Package:
    """A zip opened after its central directory passed the limits; ``read`` caps what it inflates."""

    def __init__(self, source: Path | bytes, where: str) -> None:
        self.where = where
        self.left = MAX_UNCOMPRESSED_BYTES
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise TemplateError(f"cannot read the template as a zip archive: {exc}", file=where) from None
        try:
            _check_directory(self.zip.infolist(), where)
        except TemplateError:
            self.zip.close()
            raise

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def names(self) -> list[str]:
        return self.zip.namelist()

    def read(self, name: str | zipfile.ZipInfo) -> bytes:
        """The entry's bytes, never more than its declared size nor the archive's budget."""
        info = name if isinstance(name, zipfile.ZipInfo) else self.zip.getinfo(name)
        cap = min(info.file_size, self.left)
        out = bytearray()
        try:
            with self.zip.open(info) as f:
                while chunk := f.read(_CHUNK):
                    out += chunk
                    if len(out) > cap:
                        raise UnsafePartError(
                            f"{info.filename} unpacks to more than its zip header says; refused (a zip bomb?)",
                            file=self.where,
                        )
        except TemplateError:
            raise
        except Exception as exc:  # noqa: BLE001 - BadZipFile, OSError, EOFError, zlib.error from a corrupt stream
            raise TemplateError(f"cannot read the template as a zip archive: {exc}", file=self.where) from None
        self.left -= len(out)
        return bytes(out)


def _check_directory(entries: list[zipfile.ZipInfo], where: str) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise TemplateLimitError(
            f"the template holds {len(entries):,} files; the limit is {MAX_ZIP_ENTRIES:,}", file=where
        )
    total = sum(e.file_size for e in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise TemplateLimitError(
            f"the template unpacks to {total:,} bytes; the limit is {MAX_UNCOMPRESSED_BYTES:,}", file=where
        )
    for e in entries:
        if e.file_size > 1024 * 1024 and e.file_size > MAX_COMPRESSION_RATIO * max(e.compress_size, 1):
            raise TemplateLimitError(
                f"{e.filename} is compressed {e.file_size // max(e.compress_size, 1):,}:1 (a zip bomb?); "
                f"the limit is {MAX_COMPRESSION_RATIO}:1",
                file=where,
            )


def open_package(source: Path | bytes, where: str) -> Package:
    """The one way appeal-gen opens a DOCX (template or output) to read its entries."""
    return Package(source, where)


# --------------------------------------------------------------------------
# The whole package


def check_package(source: Path | bytes, where: str, *, written: bool = False) -> None:
    """Refuse a Word package any of whose XML parts is unsafe (see the module's docstring).

    *written*: the package is one appeal-gen serialised (lxml, UTF-8), so
    ``check_written_part``'s quick test decides which parts need parsing.
    """
    with open_package(source, where) as pkg:
        names = set(pkg.names())
        if "word/document.xml" not in names:
            raise TemplateError("not a Word document: it has no word/document.xml", file=where)
        xml_types: set[str] = set()
        overrides: dict[str, str] = {}
        if "[Content_Types].xml" in names:
            types = pkg.read("[Content_Types].xml")
            check_part("[Content_Types].xml", types, where)
            xml_types, overrides = _content_types(types)
        #: Each part's external hyperlink relationships (part name, lower case -> ids), found in the
        #: relationship parts, which are inspected first.
        links: dict[str, frozenset[str]] = {}
        for info in sorted(pkg.zip.infolist(), key=lambda i: not i.filename.lower().endswith(".rels")):
            name = info.filename
            if name == "[Content_Types].xml" or name.endswith("/"):
                continue
            ext = name.rpartition(".")[2].lower()
            ctype = overrides.get("/" + name.lower(), "")
            if ext in ("xml", "rels", "vml") or ext in xml_types or "xml" in ctype or "vml" in ctype:
                if written:
                    check_written_part(name, pkg.read(info), where)
                    continue
                found = check_part(name, pkg.read(info), where, links.get(name.lower(), frozenset()))
                if found:
                    links[_source_part(name)] = found


def _source_part(rels_part: str) -> str:
    """The part a relationship part describes, lower case: ``word/_rels/x.xml.rels`` -> ``word/x.xml``."""
    folder, _, file = rels_part.lower().rpartition("/")
    return posixpath.join(posixpath.dirname(folder), file.removesuffix(".rels"))


def _content_types(data: bytes) -> tuple[set[str], dict[str, str]]:
    """The extensions whose content type is XML, and each overridden part's content type."""
    xml_ext: set[str] = set()
    overrides: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        ctype = attrs.get("ContentType", "").lower()
        if local == "Default" and ("xml" in ctype or "vml" in ctype):
            xml_ext.add(attrs.get("Extension", "").lower())
        elif local == "Override":
            overrides[attrs.get("PartName", "").lower()] = ctype

    p = _parser()
    p.StartElementHandler = start
    p.Parse(data, True)
    return xml_ext, overrides


#: What a part must contain to point outside the package, as lxml writes it
#: (UTF-8, attributes as ``name="value"``): a field instruction (``w:instr``,
#: ``w:instrText``), an OLE object, a ``src``/``href`` attribute, a DOCTYPE.
_MARKERS = (b"instr", b"OLEObject", b'src="', b'href="', b"<!")


def check_written_part(name: str, data: bytes, where: str) -> None:
    """``check_part`` for a part appeal-gen serialised itself, skipping the parse when it cannot matter.

    A letter's body is parsed only if it holds one of ``_MARKERS``: an element
    or attribute name cannot be written with character references, and lxml
    writes UTF-8, so a part without them has no field code, OLE object,
    source or entity. Relationships are always parsed (they are small).
    """
    if name.endswith(".rels") or any(m in data for m in _MARKERS):
        check_part(name, data, where)


_W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # strict OOXML
)
#: The elements that can point outside a letter's body, as lxml tag filters:
#: field codes in both WordprocessingML namespaces, and everything VML and
#: Office (``o:OLEObject``, ``v:imagedata src=...``).
_TREE_TAGS = (
    *(f"{{{ns}}}{local}" for ns in _W_NAMESPACES for local in ("instrText", "delInstrText", "fldSimple", "fldChar")),
    "{urn:schemas-microsoft-com:vml}*",
    "{urn:schemas-microsoft-com:office:office}*",
)


def check_written_tree(name: str, root: Any, where: str) -> None:
    """``check_part`` for a part appeal-gen holds as an lxml tree (a letter's body, per letter).

    A letter's body was parsed from what its template rendered, so it can
    hold no DOCTYPE or entity; values in it are text. What can point outside
    is an element only a template writes (``|safe``): lxml looks for those
    tags in C, some 20 times faster than searching the serialised bytes, and
    the part is parsed and inspected in full only when one is there.
    """
    for _ in root.iter(*_TREE_TAGS):
        from lxml import etree

        check_part(name, etree.tostring(root, encoding="UTF-8"), where)
        return


# --------------------------------------------------------------------------
# One XML part


def _refuse_doctype(*_args: object) -> Any:
    raise _DoctypeError


class _DoctypeError(Exception):
    """Raised from inside expat: a DOCTYPE or an entity, whatever the part's encoding."""


def _parser() -> Any:
    """Expat with namespaces resolved ("uri local" names) that refuses any DOCTYPE or entity.

    Expat reads the encoding a part declares (UTF-8, UTF-16 with or without a
    byte-order mark, Latin-1, ...), so a DOCTYPE cannot hide in another
    encoding the way it hides from a byte search.
    """
    p = expat.ParserCreate(namespace_separator=" ")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse_doctype
    p.EntityDeclHandler = _refuse_doctype
    p.UnparsedEntityDeclHandler = _refuse_doctype
    p.ExternalEntityRefHandler = _refuse_doctype
    return p


def check_part(name: str, data: bytes, where: str, web_links: frozenset[str] = frozenset()) -> frozenset[str]:
    """Parse one part and refuse it if it declares entities or points outside the package.

    *web_links*: the ids of the part's external hyperlink relationships; an
    element other than a hyperlink that names one (``a:blip r:link``, a
    frame's ``r:id``) would make Word fetch the web address, so it is refused.
    Returns the ids of the external hyperlinks a relationship part declares.
    """
    inspector = _Inspector(name, where)
    inspector.web_links = web_links
    p = _parser()
    p.StartElementHandler = inspector.start
    p.EndElementHandler = inspector.end
    p.CharacterDataHandler = inspector.text
    try:
        p.Parse(data, True)
    except _DoctypeError:
        raise UnsafePartError(
            f"{name} declares a DOCTYPE or XML entities, which Word never writes; refused (entity expansion)",
            file=where,
        ) from None
    except expat.ExpatError as exc:
        raise UnsafePartError(f"{name}: not well-formed XML ({exc}); refused", file=where) from None
    except (LookupError, ValueError) as exc:  # an encoding expat and Python do not know
        raise UnsafePartError(f"{name}: cannot read its XML ({exc}); refused", file=where) from None
    inspector.finish()
    return frozenset(inspector.web_ids)


class _Inspector:
    """Expat callbacks: relationships, field codes and embedded objects of one part."""

    def __init__(self, part: str, where: str) -> None:
        self.part = part
        self.where = where
        self.rels = part.lower().endswith(".rels")  # part names are case-insensitive (OPC)
        #: Open complex fields: [instruction pieces, still in the instruction?].
        self.fields: list[list[Any]] = []
        self.instr: list[str] | None = None
        #: External hyperlink relationship ids: declared (a .rels part), and the part's own (to check uses).
        self.web_ids: set[str] = set()
        self.web_links: frozenset[str] = frozenset()

    def refuse(self, message: str) -> None:
        raise UnsafePartError(f"{self.part}: {message}", file=self.where)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if attrs:
            if self.web_links and local not in _HYPERLINK_ELEMENTS:
                for key, rid in attrs.items():
                    if rid in self.web_links and key.rpartition(" ")[0] in _R_NAMESPACES:
                        self.refuse_fetch(f"{local} uses the hyperlink relationship {rid}")
            attrs = {k.rpartition(" ")[2]: v for k, v in attrs.items()}
        if self.rels and local == "Relationship":
            self.relationship(attrs)
        elif local == "fldSimple":
            self.field(attrs.get("instr", ""))
        elif local == "fldChar":
            kind = attrs.get("fldCharType", "").strip().lower()
            if kind == "begin":
                if self.fields and self.fields[-1][1]:
                    self.fields[-1][0].append("\0")  # a nested field inside an instruction
                self.fields.append([[], True])
            elif kind == "separate" and self.fields:
                self.close_instruction()
            elif kind == "end" and self.fields:
                self.close_instruction()
                self.fields.pop()
        elif local in ("instrText", "delInstrText"):
            self.instr = []
        elif local in _REFUSED_ELEMENTS and (local == "OLEObject" or name.rpartition(" ")[0] in _W_NAMESPACES):
            self.refuse(_REFUSED_ELEMENTS[local])
        for attr in ("src", "href"):
            value = attrs.get(attr)
            if value and _external(value) and (attr == "src" or not _web(value)):
                self.refuse(f"{local} points outside the document ({value})")

    def end(self, name: str) -> None:
        if self.instr is not None and name.rpartition(" ")[2] in ("instrText", "delInstrText"):
            text = "".join(self.instr)
            self.instr = None
            if self.fields and self.fields[-1][1]:
                self.fields[-1][0].append(text)
            else:
                self.field(text)  # an instruction outside any field: judged on its own

    def text(self, data: str) -> None:
        if self.instr is not None:
            self.instr.append(data)

    def close_instruction(self) -> None:
        top = self.fields[-1]
        if top[1]:
            top[1] = False
            self.field("".join(top[0]))

    def finish(self) -> None:
        while self.fields:  # a field never ended: its instruction still counts
            self.close_instruction()
            self.fields.pop()

    def field(self, code: str) -> None:
        stripped = code.strip()
        if stripped.startswith("\0"):
            self.refuse("a field's name comes from another field; refused (it could include a file)")
        m = _FIELD_NAME.match(stripped)
        if not m:
            return
        kind = m.group(1).upper()
        if kind in FETCHING_FIELDS:
            self.refuse(f"field {kind} points outside the document")
        if kind == "HYPERLINK":
            target = _hyperlink_target(stripped[m.end() :])
            if target is not None and not _web(target):
                self.refuse(f"field HYPERLINK points outside the document ({target})")

    def relationship(self, attrs: dict[str, str]) -> None:
        kind = attrs.get("Type", "").strip().rstrip("/").rpartition("/")[2]
        target = attrs.get("Target", "").strip()
        if attrs.get("TargetMode", "").strip().lower() == "external":
            if kind.lower() != "hyperlink":
                self.refuse_fetch(target)
            if not _web(target):
                self.refuse(f"hyperlink to {target}: only http, https and mailto links may leave the document")
            self.web_ids.add(attrs.get("Id", ""))
            return
        if _external(target) or _escapes(self.part, target):
            self.refuse(f"relationship {kind or '?'} points outside the document ({target})")

    def refuse_fetch(self, target: str) -> None:
        raise UnsafePartError(
            f"{self.part} makes Word fetch an external file ({target}) when the letter is opened; "
            "only hyperlinks may point outside the document",
            file=self.where,
        )


def _web(url: str) -> bool:
    return url.strip().lower().startswith(WEB_SCHEMES)


def _external(target: str) -> bool:
    """An absolute URI (``file:``, ``http:``, a drive ``C:``), a UNC path or a network path."""
    t = unquote(target).strip()
    return bool(_SCHEME.match(t)) or "\\" in t or t.startswith("//")


def _escapes(rels_part: str, target: str) -> bool:
    """Whether an internal target resolves above the package's root."""
    t = unquote(target).strip()
    base = posixpath.dirname(posixpath.dirname(rels_part))  # word/_rels/x.rels -> word
    path = t if t.startswith("/") else f"{base}/{t}"
    depth = 0
    for seg in path.split("/"):
        if seg == "..":
            depth -= 1
            if depth < 0:
                return True
        elif seg not in ("", "."):
            depth += 1
    return False


def _hyperlink_target(args: str) -> str | None:
    """The target of a HYPERLINK field's instruction (None for a link inside the document)."""
    skip = False
    for m in _TOKEN.finditer(args):
        word = m.group(1) if m.group(1) is not None else m.group(2)
        if skip:
            skip = False
            continue
        if m.group(1) is None and word.startswith("\\") and not word.startswith("\\\\"):
            # A switch is one backslash and a letter (\l, \o); "\\server\share" is a UNC target.
            skip = word.lower() in _HYPERLINK_ARG_SWITCHES
            continue
        return word
    return None
