"""The document's metadata (Info and XMP) and, for PDF/A, its output intent.

Every PDF gets the same facts twice, as PDF/A and PDF/UA want them to
agree: the Info dictionary and an XMP packet (``dc:title``,
``dc:creator``, ``pdf:Producer``, ``xmp:CreateDate``... and
``pdfuaid:part 1``, the claim of a tagged PDF made for PDF/UA-1, except
in PDF/A files: see ``xmp``). The dates
are the appeal's own date, so the same spec gives the same bytes on any day
(reportlab's invariant mode wrote 2000-01-01).

``--pdf-standard pdfa-2b`` adds ``pdfaid:part 2``, ``conformance B`` and an
sRGB output intent, whose ICC profile is LittleCMS's built-in sRGB made by
Pillow (a dependency of reportlab), with its creation date fixed. Fonts are
embedded subsets already. Only part B (appearance) is claimed: Khmer's
subscript glyphs map to private-use code points in ToUnicode, which
PDF/A-2u forbids, even though their text is given by ``/ActualText``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import zlib
from dataclasses import dataclass
from html import escape as _escape


def escape(text: str) -> str:
    """*text* as XML element content (``&``, ``<``, ``>``)."""
    return _escape(text, quote=False)


@dataclass(frozen=True)
class Facts:
    """What the Info dictionary and the XMP packet both say about a letter."""

    title: str
    author: str
    subject: str
    keywords: str
    lang: str
    date: _dt.date | None = None
    standard: str | None = None
    creator: str = "appeal-gen"
    producer: str = "appeal-gen (reportlab)"


def pdf_text(text: str) -> bytes:
    """A PDF text string: UTF-16BE with its byte-order mark, in hex (any script, nothing to escape)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _date(facts: Facts) -> _dt.date:
    return facts.date or _dt.date(2000, 1, 1)


def info(facts: Facts) -> bytes:
    """The Info dictionary."""
    stamp = b"(D:%s000000+00'00')" % _date(facts).strftime("%Y%m%d").encode()
    entries = [
        (b"Author", pdf_text(facts.author)),
        (b"CreationDate", stamp),
        (b"Creator", pdf_text(facts.creator)),
        (b"Keywords", pdf_text(facts.keywords)),
        (b"ModDate", stamp),
        (b"Producer", pdf_text(facts.producer)),
        (b"Subject", pdf_text(facts.subject)),
        (b"Title", pdf_text(facts.title)),
        (b"Trapped", b"/False"),
    ]
    # An empty field is left out, in both: PDF/A compares the Info dictionary with the XMP.
    return b"<< " + b" ".join(b"/%s %s" % pair for pair in entries if pair[1] != b"<FEFF>") + b" >>"


def xmp(facts: Facts) -> bytes:
    """The XMP packet: the Info dictionary's facts, and the standards the file claims."""

    def alt(text: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt>'

    stamp = _date(facts).strftime("%Y-%m-%dT00:00:00+00:00")
    # PDF/A-2 takes only the XMP properties of 2005 and those the file
    # describes in an extension schema; the one validator found here
    # (pikepdf's) refuses extension schemas, so a PDF/A file says PDF/A
    # only, and the others say PDF/UA-1 (docs/accessibility.md).
    claim = (
        "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
        if facts.standard == "pdfa-2b"
        else "<pdfuaid:part>1</pdfuaid:part>"
    )
    body = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
        "<dc:format>application/pdf</dc:format>"
        f"<dc:title>{alt(facts.title)}</dc:title>"
        + (
            f"<dc:creator><rdf:Seq><rdf:li>{escape(facts.author)}</rdf:li></rdf:Seq></dc:creator>"
            if facts.author
            else ""
        )
        + (f"<dc:description>{alt(facts.subject)}</dc:description>" if facts.subject else "")
        + (f"<dc:language><rdf:Bag><rdf:li>{escape(facts.lang)}</rdf:li></rdf:Bag></dc:language>" if facts.lang else "")
        + (f"<pdf:Keywords>{escape(facts.keywords)}</pdf:Keywords>" if facts.keywords else "")
        + f"<pdf:Producer>{escape(facts.producer)}</pdf:Producer>"
        f"<xmp:CreatorTool>{escape(facts.creator)}</xmp:CreatorTool>"
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate>"
        f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>"
        f"{claim}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    return (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        + body.encode("utf-8")
        + b'\n<?xpacket end="w"?>'
    )


@functools.lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """LittleCMS's sRGB profile (through Pillow), its creation date fixed so that output is reproducible."""
    from PIL import ImageCms

    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = bytes.fromhex("07d0 0001 0001 0000 0000 0000")  # 2000-01-01 00:00:00
    return bytes(profile)


def catalog_objects(facts: Facts, first: int) -> tuple[bytes, dict[int, bytes]]:
    """The catalog's entries for the metadata (and output intent), and the objects they name, from *first* on.

    The values are whole objects as ``pdfsyntax.pdf_object`` takes them:
    (dictionary, stream) pairs joined into bytes here.
    """
    packet = xmp(facts)
    objects = {first: b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream" % (len(packet), packet)}
    entries = b" /Metadata %d 0 R" % first
    if facts.standard == "pdfa-2b":
        icc = zlib.compress(srgb_profile(), 9)
        objects[first + 1] = b"<< /N 3 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(icc), icc)
        objects[first + 2] = (
            b"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1)"
            b" /Info (sRGB IEC61966-2.1) /DestOutputProfile %d 0 R >>" % (first + 1)
        )
        entries += b" /OutputIntents [ %d 0 R ]" % (first + 2)
    return entries, objects
