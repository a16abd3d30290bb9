"""The DOCX template, loaded and rendered: once per letter the way docxtpl documents it
(``render_straight``), or compiled once per language for a batch (``CompiledTemplate``).

Jinja runs in a ``SandboxedEnvironment`` with autoescaping on: templates come
from volunteers and values from staff, and without escaping docxtpl silently
drops text such as ``&B`` (see SECURITY.md). What a template's tags produced
is inspected (``ooxml``) before the bytes leave: ``|safe`` can write a field
code. The compiled Jinja templates and deflated parts are kept in a
``DocxContext`` (render/context.py), not in module globals.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re
from pathlib import Path
from typing import Any

from .. import ooxml, resources
from ..document import Letter, shared_values
from ..errors import TemplateError
from ..theme import Theme
from .context import DocxContext, default_docx_context
from .docxcontext import DocxOptions, LinkLog, add_recipient, context, fresh, gettext_in_context, shared_context
from .docxpages import personal, unnumbered_first_page
from .docxtheme import apply_theme
from .docxzip import Deflated, deflate, normalise_zip, write_zip
from .ooxmlpatch import (
    apply_direction,
    apply_language,
    apply_package,
    apply_styles,
    fixed_properties,
    section_direction,
    set_properties,
)

#: A run left empty: docxtpl's ``{{r ...}}`` leaves one on either side of the
#: tag's own run (what came before and after the tag in the template's run).
_EMPTY_RUN = re.compile(
    r"<w:r(?: [^>]*)?>(?:<w:rPr>(?:(?!</?w:rPr>).)*</w:rPr>)?<w:t(?: [^>]*)?></w:t></w:r>", re.DOTALL
)


@functools.cache
def template_class() -> Any:
    """docxtpl's DocxTemplate, its template source without the empty runs ``{{r ...}}`` leaves.

    Two empty runs for each rich-text tag (86 in a letter) are clutter a user
    editing the DOCX trips over. Removed from the patched source, before
    Jinja: no value's text is ever looked at, and the batch's compiled
    templates get the same source as ``render_docx``.
    """
    from docxtpl import DocxTemplate

    class Template(DocxTemplate):
        def patch_xml(self, src_xml: str) -> str:
            return _EMPTY_RUN.sub("", str(super().patch_xml(src_xml)))

    return Template


def default_template(lang: str | None = None) -> Path:
    """The language's own template if a translator supplied one, else the default."""
    for root in resources.TEMPLATES_DIR_CANDIDATES:
        if lang:
            for code in (lang, lang.split("_")[0]):
                p = root / code / "appeal.docx"
                if p.is_file():
                    return p
        p = root / "appeal.docx"
        if p.is_file():
            return p
    raise TemplateError("the default template appeal.docx is missing from the installation")


def render_straight(letter: Letter, options: DocxOptions | None = None) -> bytes:
    """Render *letter* into the template and return the DOCX bytes: a new docxtpl template object
    per letter, as docxtpl's documentation asks (``render.docx.render_docx``'s way).
    """
    options = options or DocxOptions()
    from .. import sandbox

    path = options.template or default_template(letter.lang)
    sandbox.check_template_file(Path(path))
    try:
        tpl = template_class()(str(path))
        if personal(letter) or options.theme is not None:
            tpl.render_init()
        if personal(letter):
            unnumbered_first_page(tpl.docx, letterhead=bool(options.theme and options.theme.has_letterhead))
        if options.theme is not None:
            apply_theme(tpl.docx, options.theme, letter)
        ctx = context(letter, tpl)
        gettext_in_context(ctx, options)
        with sandbox.time_limit():
            tpl.render(ctx, jinja_env=sandbox.environment(), autoescape=True)
    except TemplateError as exc:
        exc.file = exc.file or str(path)
        raise
    except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
        raise TemplateError(f"cannot render the template: {exc}", file=str(path)) from None

    apply_language(tpl.docx, letter)
    set_properties(tpl.docx.core_properties, letter, options)
    buf = io.BytesIO()
    tpl.save(buf)
    data = normalise_zip(buf.getvalue())
    # What the template's tags produced is inspected too: "|safe" can write a field code.
    ooxml.check_package(data, str(path), written=True)
    return data


#: The core properties docxtpl renders as templates (DocxTemplate.render_properties).
_TEMPLATED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


def _property(source: str, context: DocxContext) -> Any:
    """A core property's compiled template, or its text if it is only text.

    Rendered in every letter it would give that same text: with no tags,
    nothing in it reads the letter's variables. Most templates leave these
    properties empty, and six Jinja renders a letter are saved.
    """
    template = context.compile(source)
    if all(token == "data" for _, token, _ in context.environment().lex(source)):
        return str(template.render())
    return template


def _rel_target(rel: Any) -> Any:
    # What a relationship's target_ref is made from: an internal target's
    # reference is its part name relative to the (fixed) source part.
    return rel.target_ref if rel.is_external else rel.target_part.partname


#: What docxtpl's ``resolve_listing`` turns into Word tabs and breaks when it
#: is inside a ``<w:t>``; and its outermost pattern, the paragraph.
_LISTING_CHAR = re.compile("[\t\a\n\f]")
_LISTING_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_SPLIT_PARAGRAPH = re.compile(r"<w:p([ >])")


def check_template_source(path: Path, context: DocxContext | None = None) -> None:
    """docxtpl's pre-processing and the Jinja compile of a template's body, headers and footers,
    once, under the time limit: what every letter would otherwise fail on the same way.

    For ``batch``, before any worker starts: a Jinja syntax error, or a part
    whose pre-processing never ends (docxtpl's ``patch_xml`` has regular
    expressions that are quadratic in a crafted run), is one exit-2 error
    instead of one failed row per letter. The compiled templates stay in the
    *context* (the process's default one if None), which ``CompiledTemplate`` reads.
    """
    from .. import sandbox

    try:
        with sandbox.time_limit():
            tpl = template_class()(str(path))
            tpl.render_init()
            context = context or default_docx_context()
            context.compile(CompiledTemplate.source(tpl.patch_xml(tpl.get_xml())))
            for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
                for _key, part in tpl.get_headers_footers(uri):
                    context.compile(CompiledTemplate.source(tpl.patch_xml(tpl.get_part_xml(part))))
    except TemplateError as exc:
        exc.file = exc.file or str(path)
        raise
    except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
        raise TemplateError(f"cannot render the template: {exc}", file=str(path)) from None


class CompiledTemplate:
    """A DOCX template prepared once, for rendering many letters of one language.

    ``render_docx`` does what docxtpl's documentation asks: a new template
    object per letter, which re-reads the zip, re-parses every part, patches
    and compiles the Jinja source, and deflates every part again, about 40 ms
    a letter. Here all of that happens once: the template is checked
    (``sandbox.check_template_file``), loaded, its body, headers and footers
    patched and compiled in the limited sandbox, the language applied to its
    styles, and every part that no letter changes is serialised and deflated.
    Per letter only the Jinja templates run (under the same limits and time
    limit), the body is parsed and serialised as docxtpl does, and the zip is
    written from the stored parts. The bytes are those of ``render_docx``
    (``tests/render/test_fast_path.py`` compares them in every language).

    What letters of one language share is also done once, not per letter:
    the template variables of the base letter (rebuilt only when the base
    letter changes, with its hyperlinks related in the same order), and the
    headers, footers, core properties and relationships, which are usually
    the same text for every letter and then are parsed and deflated once.

    One object per (template, language): the styles carry the language.
    Templates with footnotes are rendered the straightforward way.

    Over the ~150 lines a class is meant to stay under, on purpose: its
    state (docxtpl's objects, the parts, what is kept between letters) is
    shared by loading and rendering, and ``render`` is the batch's hot path,
    one method so that a letter's steps read in the order the zip is
    written. What does not need that state lives in ``docxcontext``,
    ``ooxmlpatch`` and ``docxzip``.
    """

    def __init__(
        self, path: Path, letter: Letter, context: DocxContext | None = None, theme: Theme | None = None
    ) -> None:
        from .. import sandbox

        #: Where compiled Jinja templates and deflated parts are shared with other templates.
        self.context = context or default_docx_context()
        self.path = path
        self.lang = (letter.lang, letter.bcp47, letter.rtl)
        sandbox.check_template_file(Path(path))
        self.error: TemplateError | None = None
        self.simple = True
        #: The base letter's variables: (key, variables, hyperlinks asked for and their ids).
        self.shared: tuple[tuple[Any, ...], dict[str, Any], list[tuple[str, str]]] | None = None
        #: Finished parts by what they were made from (see ``_keep``).
        self.finished: dict[tuple[object, ...], Deflated] = {}
        #: The core properties last set, and their part deflated.
        self.core: tuple[tuple[tuple[str, Any], ...], Deflated] | None = None
        try:
            # docxtpl's patch_xml runs regular expressions over the whole part, some
            # quadratic in a crafted one: under the time limit, like the rendering.
            with sandbox.time_limit():
                tpl = template_class()(str(path))
                tpl.render_init()
                #: The theme written into the template, once (docxtheme.py); letters render with it.
                self.theme = theme
                if personal(letter):
                    unnumbered_first_page(tpl.docx, letterhead=bool(theme and theme.has_letterhead))
                if theme is not None:
                    apply_theme(tpl.docx, theme, letter)
                self.tpl = tpl
                package = tpl.docx.part.package
                cp = tpl.docx.core_properties  # creates the part if the template has none, as render_docx does
                #: Each templated property's compiled template, or its text if it has no Jinja tags.
                self.properties = {name: _property(getattr(cp, name), self.context) for name in _TEMPLATED_PROPERTIES}
                self.body = self.context.compile(self.source(tpl.patch_xml(tpl.get_xml())))
                #: Header and footer parts: (part, encoding, compiled template).
                self.headers: list[tuple[Any, str, Any]] = []
                #: Headers and footers that read no variable (a theme's letterhead), by part:
                #: their finished text once rendered, the same for every letter.
                self.constant: dict[int, str | None] = {}
                for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
                    for _key, part in tpl.get_headers_footers(uri):
                        xml = tpl.get_part_xml(part)
                        encoding = tpl.get_headers_footers_encoding(xml)
                        source = self.source(tpl.patch_xml(xml))
                        self.headers.append((part, encoding, self.context.compile(source)))
                        if _constant(source, self.context):
                            self.constant[id(part)] = None
            parts = list(package.iter_parts())
            footnotes = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
            if any(p.content_type == footnotes for p in parts):
                self.simple = False
                return
            apply_styles(tpl.docx.styles.element, letter)
            apply_package(tpl.docx.part, letter)
            self.parts = parts
            self.core_part = package._core_properties_part
            self.doc_part = tpl.docx.part
            self.header_parts = {id(part) for part, _, _ in self.headers}
            self.static = self._static_entries(package)
            #: Each part with its zip entry's name and its relationships' (PackURI works them out slowly).
            self.members = [(part, part.partname.membername, part.partname.rels_uri.membername) for part in parts]
        except TemplateError as exc:
            exc.file = exc.file or str(path)
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
            self.error = TemplateError(f"cannot render the template: {exc}", file=str(path))

    @staticmethod
    def source(xml: str) -> str:
        """A part's patched XML as docxtpl's ``render_xml_part`` has it just before it compiles."""
        return _SPLIT_PARAGRAPH.sub(r"\n<w:p\1", xml)

    def _finish(self, xml: str) -> str:
        """DocxTemplate.render_xml_part after it renders, with ``resolve_listing`` run only
        on the paragraphs it can change.

        ``resolve_listing`` rewrites a paragraph only where a ``<w:t>`` holds a
        tab, bell, newline or form feed, and leaves every other paragraph as it
        was; a letter seldom has any. Run on one paragraph alone it finds the
        same match (the paragraph, up to its first ``</w:p>``), so it gives
        what it gives inside the whole part.
        """
        # re.sub(r"\n<w:p([ >])", r"<w:p\1", xml), without a template expansion
        # per paragraph. Dropping the newline of one match cannot make another
        # (each is a newline and then "<w:p"), so the two passes are the one.
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if not ("\n" in xml or "\t" in xml or "\a" in xml or "\f" in xml):
            return xml
        resolve = self.tpl.resolve_listing

        def paragraph(m: re.Match[str]) -> str:
            text = m.group(0)
            return str(resolve(text)) if _LISTING_CHAR.search(text) else text

        return _LISTING_PARAGRAPH.sub(paragraph, xml)

    def _static_entries(self, package: Any) -> dict[str, Deflated]:
        """Every zip entry no letter changes, serialised and deflated once."""
        from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
        from docx.opc.pkgwriter import _ContentTypesItem

        static = {
            CONTENT_TYPES_URI.membername: self.context.deflate(_ContentTypesItem.from_parts(self.parts).blob),
            PACKAGE_URI.rels_uri.membername: self.context.deflate(package.rels.xml),
        }
        for part in self.parts:
            if part is not self.doc_part and part is not self.core_part and id(part) not in self.header_parts:
                static[part.partname.membername] = self.context.deflate(part.blob)
            if len(part.rels) and part is not self.doc_part:
                static[part.partname.rels_uri.membername] = self.context.deflate(part.rels.xml)
        return static

    def _context(self, letter: Letter) -> dict[str, Any]:
        """``docxcontext.context(letter, tpl)``, with the base letter's variables built once.

        Each letter relates the base letter's hyperlinks again, the same calls
        in the same order from the same relationships (``render`` takes back
        what a letter added), so they get the ids they got the first time;
        the ids are compared all the same, and the variables built afresh if
        one differs. The recipient's come after, as in ``context``.
        """
        tpl = self.tpl
        key = shared_values(letter)
        shared = self.shared
        if shared is None or shared[0] != key or any(str(tpl.build_url_id(url)) != rid for url, rid in shared[2]):
            log = LinkLog(tpl)
            shared = self.shared = (key, shared_context(letter, log), log.calls)
        ctx: dict[str, Any] = fresh(shared[1])
        add_recipient(ctx, letter, tpl)
        return ctx

    def _keep(self, key: tuple[object, ...], data: bytes, name: str) -> Deflated:
        """*data* (zip entry *name*) inspected, deflated and kept under *key*, what it was made from.

        For headers, footers, core properties and the document's
        relationships, which depend on the letter only through text that is
        usually the same for every letter of a language. If a template puts
        the recipient in a header, the table fills up and is emptied now and
        then.
        """
        ooxml.check_written_part(name, data, str(self.path))
        if len(self.finished) >= 64:
            self.finished.clear()
        packed = self.finished[key] = deflate(data)
        return packed

    def render(self, letter: Letter, options: DocxOptions) -> bytes:
        """One letter's DOCX: the same bytes as ``render_docx(letter, options)``."""
        if self.error is not None:
            raise self.error
        if not self.simple or (letter.lang, letter.bcp47, letter.rtl) != self.lang:
            return render_straight(letter, dataclasses.replace(options, template=self.path, theme=self.theme))
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml.parser import parse_xml

        from .. import sandbox

        tpl = self.tpl
        rels = self.doc_part.rels
        known = set(rels)
        finished = self.finished
        try:
            try:
                ctx = self._context(letter)
                gettext_in_context(ctx, options)
                with sandbox.time_limit():
                    tree = tpl.fix_tables(self._finish(self.body.render(ctx)))
                    tpl.docx_ids_index = 1000
                    tpl.fix_docpr_ids(tree)
                    tpl.map_tree(tree)
                    # Each header and footer: the text it was rendered to, and either
                    # that text's finished part from an earlier letter or its new tree
                    # (a part's tree depends only on its text: direction is the
                    # language's, which is this object's).
                    headers: dict[int, tuple[tuple[object, ...], Deflated | None, Any]] = {}
                    for part, encoding, t in self.headers:
                        xml = self.constant.get(id(part)) or self._finish(t.render(ctx))
                        if id(part) in self.constant:
                            self.constant[id(part)] = xml
                        key: tuple[object, ...] = (str(part.partname), xml)
                        done = finished.get(key)
                        headers[id(part)] = (key, done, None if done else parse_xml(xml.encode(encoding)))
                    props = {name: t if isinstance(t, str) else t.render(ctx) for name, t in self.properties.items()}
            except TemplateError as exc:
                exc.file = exc.file or str(self.path)
                raise
            except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
                raise TemplateError(f"cannot render the template: {exc}", file=str(self.path)) from None
            if letter.rtl:
                apply_direction([tpl.docx.element.body, *(h[2] for h in headers.values() if h[2] is not None)])
                section_direction(tpl.docx.element.body)
            # Setting a property again to the value it has changes nothing, and
            # every letter sets all of them: the same values give the same part.
            values = (*props.items(), *fixed_properties(letter, options))
            if self.core is None or self.core[0] != values:
                self.core = None  # until every property is set (a value python-docx refuses stops half-way)
                cp = tpl.docx.core_properties
                for name, value in values:
                    setattr(cp, name, value)
                core = self.core_part.blob
                ooxml.check_written_part(self.core_part.partname.membername, core, str(self.path))
                self.core = (values, deflate(core))
            entries: list[tuple[str, bytes | Deflated]] = []
            static = self.static
            # PackageWriter's order: content types, package relationships, then each part and its own.
            entries.append(("[Content_Types].xml", static["[Content_Types].xml"]))
            entries.append(("_rels/.rels", static["_rels/.rels"]))
            for part, name, rels_name in self.members:
                if part is self.doc_part:
                    # What the template's tags produced: "|safe" can write a field code.
                    ooxml.check_written_tree(name, tpl.docx.element, str(self.path))
                    entries.append((name, serialize_part_xml(tpl.docx.element)))
                    if len(rels):
                        # The relationships' XML is made from these values alone.
                        key = ("rels", *((r.rId, r.reltype, r.is_external, _rel_target(r)) for r in rels.values()))
                        entries.append((rels_name, finished.get(key) or self._keep(key, rels.xml, rels_name)))
                    continue
                if part is self.core_part:
                    entries.append((name, self.core[1]))
                elif id(part) in headers:
                    key, done, header = headers[id(part)]
                    entries.append((name, done or self._keep(key, serialize_part_xml(header), name)))
                else:
                    entries.append((name, static[name]))
                if len(part.rels):
                    entries.append((rels_name, static[rels_name]))
            return write_zip(entries)
        finally:
            # Hyperlinks this letter added to the document's relationships.
            for rid in [r for r in rels if r not in known]:
                del rels[rid]


def _constant(source: str, context: DocxContext) -> bool:
    """Whether a part's Jinja *source* is only text and constants (``{{ 'a literal' }}``, as a theme's
    letterhead is written: render/docxtheme.py), so that every letter renders it to the same text.

    Nothing else counts: no variable, no filter (``random``), no call, no block.
    """
    from jinja2 import nodes

    body = context.environment().parse(source).body
    return all(
        isinstance(node, nodes.Output) and all(isinstance(c, (nodes.TemplateData, nodes.Const)) for c in node.nodes)
        for node in body
    )


def compiled_template(
    path: Path, letter: Letter, context: DocxContext | None = None, theme: Theme | None = None
) -> CompiledTemplate:
    """The template at *path* compiled for *letter*'s language, kept in *context* while the file is unchanged.

    Keyed by the file's size and modification time as well, so a
    long-running process that is handed an edited template compiles it again.
    """
    context = context or default_docx_context()
    try:
        st = path.stat()
    except OSError:
        return CompiledTemplate(path, letter, context, theme)  # which says what is wrong with the file
    key = (str(path), st.st_size, st.st_mtime_ns, letter.lang, letter.bcp47, letter.rtl, theme, personal(letter))
    compiled: CompiledTemplate | None = context.templates.get(key)
    if compiled is None:
        compiled = CompiledTemplate(path, letter, context, theme)
        context.templates.put(key, compiled)
    return compiled
