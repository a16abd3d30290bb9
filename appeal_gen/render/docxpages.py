"""A DOCX letter's page numbers as a letter's: none on the first page, "Page N of M" on the others.

Word cannot know while the letter is written whether it will run to a
second page, so the rule the PDF follows (render/furniture.py, ``numbered``)
is given to Word as a first-page footer: the template's own footer, with
its page number, is the continuation pages'; the first page's says only the
reference (an organisation's letter; a supporter's has none, so its first
page has no footer at all). A one-page letter therefore never says "Page 1
of 1". A template that has a first-page footer of its own keeps it.
"""

from __future__ import annotations

from typing import Any

from ..document import Letter

#: The first page's footer: the reference alone (empty for a supporter's letter).
_FIRST_FOOTER = "{{ reference }}"


def personal(letter: Letter) -> bool:
    """Whether *letter* is a letter (a batch's, of either kind) rather than the appeal."""
    return letter.kind != "appeal"


def unnumbered_first_page(document: Any, *, letterhead: bool) -> None:
    """Give *document*'s first section a first-page footer without the page number.

    *letterhead*: a theme will draw its letterhead in the first page's
    header (render/docxtheme.py), so the template's header is not put
    there; otherwise the first page shows the template's header.
    """
    from docx.enum.section import WD_HEADER_FOOTER

    section = document.sections[0]
    if section.different_first_page_header_footer:
        return
    section.different_first_page_header_footer = True
    default = section._sectPr.get_headerReference(WD_HEADER_FOOTER.PRIMARY)
    if not letterhead and default is not None:
        # The first page shows the template's own header part: referenced
        # again, not copied, so a picture in it keeps its relationship.
        section._sectPr.add_headerReference(WD_HEADER_FOOTER.FIRST_PAGE, default.rId)
    footer = section.first_page_footer
    footer.is_linked_to_previous = False
    target = footer._element
    for child in list(target):
        target.remove(child)
    style = _footer_style(document)
    para = footer.add_paragraph(style=style)
    para.add_run(_FIRST_FOOTER)


def _footer_style(document: Any) -> Any:
    try:
        return document.styles["Footer"]
    except KeyError:
        return None
