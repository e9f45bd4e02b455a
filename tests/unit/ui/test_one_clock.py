"""One clock per locale: every time of day in the UI reads the 24-hour clock.

The UI formats dates and times only through ``dateFormat`` in ui/src/format.ts, which sets
the hour cycle for any format that shows an hour (``HOUR_CYCLE``). These checks read the
TypeScript sources (no node needed) and fail when a formatter could pick its own clock:
(a) ``dateFormat`` sets ``HOUR_CYCLE = "h23"`` whenever a format has an hour or a time style;
(b) no other file builds an ``Intl.DateTimeFormat`` for display, or formats with
    ``toLocaleString``/``toLocaleTimeString``/``toLocaleDateString``;
(c) no caller chooses a clock (``hourCycle``/``hour12``) or asks for a ``dayPeriod``.
The rendered pages are checked in the browser (tests/e2e/test_ui_orders.py: no "AM"/"PM"
on the English orders list and order page).
"""

from __future__ import annotations

import re
from pathlib import Path

UI_SRC = Path(__file__).resolve().parents[3] / "ui" / "src"
FORMAT = UI_SRC / "format.ts"
# zoned.ts reads a timestamp's wall-clock parts for arithmetic ("en-US", h23); it never
# formats for display.
INTERNAL = {FORMAT, UI_SRC / "zoned.ts"}


def _sources() -> list[Path]:
    return [
        p
        for p in sorted(UI_SRC.rglob("*.ts*"))
        if p.suffix in (".ts", ".tsx") and p.name != "api.gen.ts" and "/i18n/" not in str(p)
    ]


def _code(path: Path) -> str:
    """The file without comments (a comment may name what it must not do)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"(?m)//.*$", "", text)


def test_date_format_sets_the_24_hour_clock_for_every_time_of_day() -> None:
    code = _code(FORMAT)
    assert re.search(r'export const HOUR_CYCLE = "h23"', code)
    body = code[code.index("export function dateFormat") :]
    body = body[: body.index("\n}\n")]
    # the hour cycle is applied when the format has an hour or a time style, after the
    # caller's options so a caller cannot override it
    assert re.search(r"options\.hour !== undefined \|\| options\.timeStyle !== undefined", body)
    assert re.search(r"\{ \.\.\.options, \.\.\.clock, timeZone \}", body)
    assert "hourCycle: HOUR_CYCLE" in body


def test_no_formatter_outside_format_ts_picks_its_own_clock() -> None:
    offenders: list[str] = []
    for path in _sources():
        code = _code(path)
        rel = path.relative_to(UI_SRC)
        for n, line in enumerate(code.splitlines(), 1):
            if path not in INTERNAL and re.search(r"new Intl\.DateTimeFormat\b", line):
                offenders.append(f"{rel}:{n}: builds its own Intl.DateTimeFormat")
            if re.search(r"\.toLocale(?:Time|Date)?String\(", line):
                offenders.append(f"{rel}:{n}: toLocale…String picks the browser's clock")
            if path not in INTERNAL and re.search(r"\b(hourCycle|hour12|dayPeriod)\b", line):
                offenders.append(f"{rel}:{n}: chooses a clock")
    assert offenders == []


def test_the_checks_see_the_formatters_they_guard() -> None:
    # guard against a check that passes because it reads nothing
    users = [p for p in _sources() if "dateFormat(" in _code(p) and p != FORMAT]
    assert len(users) >= 5
    assert any("hour:" in _code(p) for p in users)
