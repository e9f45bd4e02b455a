"""Dates and decimals under a declared locale: each text means one thing, ISO always."""

from __future__ import annotations

from datetime import datetime

import pytest

from linewise.exchange.locales import CellFormatError, ImportLocale, parse_date, parse_number
from linewise.exchange.tabular import TypedCell

DE, EN, ISO = ImportLocale.de, ImportLocale.en, ImportLocale.iso


@pytest.mark.parametrize(
    ("text", "locale", "number"),
    [
        ("1.234,5", DE, "1234.5"),
        ("1.234", DE, "1234"),  # a dot before exactly three digits groups thousands
        ("1.234.567", DE, "1234567"),
        ("12,75", DE, "12.75"),
        ("-0,5", DE, "-0.5"),
        ("1.5", DE, "1.5"),  # not a German grouping: ISO
        ("1234.5", DE, "1234.5"),
        ("1,234.5", EN, "1234.5"),
        ("1,234", EN, "1234"),
        ("1234.5", EN, "1234.5"),
        ("12,75", EN, "12,75"),  # not US usage: left for the model to refuse
        ("1,5", ISO, "1,5"),  # ISO only: refused by the model, named with the form
        ("1.234", ISO, "1.234"),
    ],
)
def test_numbers(text: str, locale: ImportLocale, number: str) -> None:
    assert parse_number(text, locale) == number


def test_a_typed_spreadsheet_number_is_never_read_by_the_locale() -> None:
    # 1.234 in a number cell of an XLSX is one point two three four, not 1234.
    assert parse_number(TypedCell("1.234"), DE) == "1.234"


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("18.12.2026", DE, datetime(2026, 12, 18)),
        ("1.2.2027 06:30", DE, datetime(2027, 2, 1, 6, 30)),
        ("18.12.2026 23:59:59", DE, datetime(2026, 12, 18, 23, 59, 59)),
        ("12/18/2026", EN, datetime(2026, 12, 18)),
        ("2/1/2027 14:05", EN, datetime(2027, 2, 1, 14, 5)),
        ("2026-12-18", DE, datetime(2026, 12, 18)),  # ISO under every locale
        ("2026-12-18", EN, datetime(2026, 12, 18)),
        ("2026-12-18T08:00:00", ISO, datetime(2026, 12, 18, 8)),
    ],
)
def test_dates(text: str, locale: ImportLocale, value: datetime) -> None:
    assert parse_date(text, locale) == value


def test_iso_with_a_zone_keeps_it() -> None:
    assert parse_date("2026-12-18T08:00:00Z", DE).utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "locale", "message"),
    [
        ("31.02.2026", DE, "not a real date"),
        ("18.12.2026 25:00", DE, "not a real date"),
        ("18.12.2026", ISO, "YYYY-MM-DD"),  # German text without the German locale
        ("18.12.2026", EN, "MM/DD/YYYY or YYYY-MM-DD"),
        ("12/18/2026", DE, "DD.MM.YYYY or YYYY-MM-DD"),
        ("13/01/2026", EN, "not a real date"),  # there is no 13th month
    ],
)
def test_impossible_or_foreign_dates_are_named(
    text: str, locale: ImportLocale, message: str
) -> None:
    with pytest.raises(CellFormatError, match=message.replace("/", "/")):
        parse_date(text, locale)
