"""The assistant's grammar pieces without a database: windows, typos, the number check."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from linewise.assistant import provenance
from linewise.assistant.language import mend_typos, normalize
from linewise.assistant.when import find_when

SUNDAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("words", "query"),
    [
        ("oee today", {"day": date(2026, 12, 6)}),
        ("oee yesterday", {"day": date(2026, 12, 5)}),
        ("oee last shift", {"shift": "previous"}),
        ("oee this shift", {"shift": "current"}),
        ("oee this week", {"week": "2026-W49"}),
        ("oee last week", {"week": "2026-W48"}),
        ("oee on monday", {"day": date(2026, 11, 30)}),
        ("oee on sunday", {"day": date(2026, 12, 6)}),
        ("oee on 2026-12-01", {"day": date(2026, 12, 1)}),
        ("oee on 3 december", {"day": date(2026, 12, 3)}),
        ("oee on dec 24th", {"day": date(2025, 12, 24)}),  # not yet this year: last year's
        ("oee so far this week", {"week": "2026-W49"}),
    ],
)
def test_windows_in_the_sites_zone(words: str, query: dict[str, object]) -> None:
    # 23:30 UTC on Saturday is already Sunday in Berlin.
    now = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    when = find_when(normalize(words), SUNDAY)
    assert when is not None
    assert when.query("Europe/Berlin", now) == query


def test_no_window_named_and_words_that_only_look_like_days() -> None:
    assert find_when("oee of smt-1", SUNDAY) is None
    assert find_when("which month had the most scrap", SUNDAY) is None


def test_typos_are_mended_to_known_words_only() -> None:
    assert mend_typos("avialability of smt 1 yesterdy", set()) == (
        "availability of smt 1 yesterday"
    )
    assert mend_typos("oee of the konveyor", set()) == "oee of the konveyor"
    assert mend_typos("stencl printer", {"stencil"}) == "stencil printer"
    # Everyday words and the letters of codes are not typos of domain words.
    assert mend_typos("what should i cook", set()) == "what should i cook"
    assert mend_typos("throughput of paint-1", {"plant"}) == "throughput of paint-1"


def test_every_number_must_come_from_the_facts() -> None:
    facts = {"oee": 0.77777, "good": 600, "down_s": 5400.0, "due": "2026-12-08T13:30:00+00:00",
             "timezone": "Europe/Berlin"}  # fmt: skip
    ok = provenance.check("OEE 77.8 %, 600 good, down 1.5 h, due Tue 08 Dec 14:30", [facts])
    assert ok.ok, ok.unbacked
    # A negative lateness is printed as its size beside "ahead".
    assert provenance.check("1.5 h ahead", [{"late_by_s": -5400}]).ok
    bad = provenance.check("OEE 78.4 % and 612 good", [facts])
    assert bad.unbacked == ("78.4", "612")
    # Digits of names and of the question may be repeated.
    assert provenance.check("SMT-1 made 600", [facts], ["SMT-1"]).ok
    assert provenance.check("the last 7 days: 600", [facts], question="last 7 days").ok
