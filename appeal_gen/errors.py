"""One exception root for everything appeal-gen reports to a user.

Every error that comes from bad input carries the file, line, column and
field path that caused it, so the command line can print the one-line
``FILE:LINE:COL: field.path: message`` form that editors and CI logs make
clickable, and so the library's callers can act on the parts separately.
"""

from __future__ import annotations

from collections.abc import Iterable


class AppealGenError(Exception):
    """Root of every error that appeal-gen raises on purpose.

    ``exit_code`` follows the convention of click's ``UsageError``: 2 means
    the user's input must change, 1 means the run itself failed.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
            if self.line is not None:
                parts.append(str(self.line))
                if self.column is not None:
                    parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        """The one-line form printed by the CLI."""
        prefix = self.location()
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{prefix}: {text}" if prefix else text

    def __str__(self) -> str:
        return self.format()


class InputError(AppealGenError):
    """Something the user gave must change before appeal-gen can go on."""

    exit_code = 2


class SpecError(InputError):
    """One problem in an appeal spec, located by YAML node marks."""


class SpecErrors(InputError):  # noqa: N818 - a collection of SpecError
    """All problems found in one spec: ``check`` reports every one at once."""

    def __init__(self, errors: Iterable[SpecError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file or "", e.line or 0, e.column or 0))
        first = self.errors[0] if self.errors else None
        super().__init__(
            "\n".join(e.format() for e in self.errors),
            file=first.file if first else None,
            line=first.line if first else None,
            column=first.column if first else None,
            field=None,
        )

    def format(self) -> str:
        return "\n".join(e.format() for e in self.errors)


class UsageError(InputError):
    """A command-line option or argument that cannot work."""


class TranslationMissingError(InputError):
    """The spec has no content for the requested language."""


class CatalogError(InputError):
    """A broken gettext catalog (.po) shipped or given by a translator."""


class FontError(InputError):
    """No font can draw a character the appeal needs."""


class MissingGlyphError(FontError):
    """A character has no glyph in the font chosen for it: it would print as a box."""

    #: The font is a theme's own (``fonts:``): ``check`` names each character once, not per field.
    theme_font: bool = False


class TemplateError(InputError):
    """A DOCX template that cannot be used (broken, unsafe or too large)."""


class TemplateLimitError(TemplateError):
    """A template went over one of the limits of ``sandbox`` (rendering) or ``ooxml`` (its zip)."""


class LayoutError(InputError):
    """A personal part of a letter (address, salutation, signature) does not fit its fixed room."""
