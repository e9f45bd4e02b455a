"""Dates and decimals as people type them, under a locale declared with the upload.

A spreadsheet exported in Germany says ``18.12.2026`` and ``1.234,5``; one from the US
says ``12/18/2026`` and ``1,234.5``. The uploader declares which (``de`` or ``en``); ISO
(``2026-12-18``, ``1234.5``) is accepted under every locale, so exports (which write ISO)
always import back. The locale only touches text a person typed: a typed XLSX cell (a
real number or date, see ``tabular.TypedCell``) is already unambiguous.

Rules, chosen so that no text means two things under one locale:

- ``de``: dates ``D.M.YYYY`` with an optional ``HH:MM`` or ``HH:MM:SS``; decimals with a
  comma (``1234,5``), thousands grouped by dots (``1.234,5``, ``1.234``: a dot followed
  by exactly three digits groups thousands). ``1.5`` is not a German grouping and is
  read as ISO 1.5.
- ``en`` (US usage): dates ``M/D/YYYY`` with an optional time; thousands grouped by
  commas (``1,234.5``), the decimal point as in ISO.
- ``iso``: ISO only.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum

from linewise.exchange.tabular import TypedCell


class ImportLocale(StrEnum):
    iso = "iso"
    de = "de"
    en = "en"


_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_DATES = {
    # locale: (pattern, order of the day, month, year groups, how it is written)
    ImportLocale.de: (re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}){_TIME}"), (0, 1, 2)),
    ImportLocale.en: (re.compile(rf"(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}){_TIME}"), (1, 0, 2)),
}
DATE_HINT = {
    ImportLocale.iso: "YYYY-MM-DD",
    ImportLocale.de: "DD.MM.YYYY or YYYY-MM-DD",
    ImportLocale.en: "MM/DD/YYYY or YYYY-MM-DD",
}
NUMBER_HINT = {
    ImportLocale.iso: "1234.5",
    ImportLocale.de: "1.234,5 or 1234.5",
    ImportLocale.en: "1,234.5 or 1234.5",
}
_DE_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DE_COMMA = re.compile(r"[+-]?\d+,\d+")
_EN_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


class CellFormatError(ValueError):
    """Text that is neither the declared locale's way nor ISO; the message says both."""


def parse_number(text: str, locale: ImportLocale) -> str:
    """The number as ISO text (``1.234,5`` → ``1234.5`` under ``de``).

    Text that matches no locale pattern is returned unchanged: it is ISO or not a number,
    and the sheet's model says which, naming the cell.
    """
    if isinstance(text, TypedCell):
        return text
    if locale is ImportLocale.de and (_DE_GROUPED.fullmatch(text) or _DE_COMMA.fullmatch(text)):
        return text.replace(".", "").replace(",", ".")
    if locale is ImportLocale.en and _EN_GROUPED.fullmatch(text):
        return text.replace(",", "")
    return text


def parse_date(text: str, locale: ImportLocale) -> datetime:
    """A date or date and time, in the locale's way or ISO (without a zone, or with one)."""
    if not isinstance(text, TypedCell) and locale in _DATES:
        pattern, (day, month, year) = _DATES[locale]
        found = pattern.fullmatch(text)
        if found:
            parts = found.groups()
            try:
                return datetime.combine(
                    date(int(parts[year]), int(parts[month]), int(parts[day])),
                    time(int(parts[3] or 0), int(parts[4] or 0), int(parts[5] or 0)),
                )
            except ValueError as exc:  # 31.02.2026, 25:00
                raise CellFormatError(f"'{text}' is not a real date or time ({exc})") from exc
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(text), time(0, 0))
        except ValueError:
            raise CellFormatError(
                f"'{text}' is not a date; write it as {DATE_HINT[locale]}"
            ) from None
