"""Every number in an answer must come from a tool result of this answer: checked here,
in code, on the final text, whoever worded it (the templates or a language model).

A printed number is backed when it is a rounding of a numeric fact, of a ratio fact in
percent, or of a seconds fact in minutes or hours; digits inside names, codes, times and
windows that a tool returned are backed as text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linewise.assistant.render import datetime_phrases

_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[.,]\d+)*(?:\.\d+)?")


@dataclass(frozen=True)
class Check:
    ok: bool
    unbacked: tuple[str, ...]


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, str(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v, key)
    else:
        yield key, value


def _numeric_variants(key: str, value: float) -> list[float]:
    # Magnitudes too: "35.8 h ahead" prints the size of a negative lateness.
    out = [value, value * 100, abs(value), abs(value) * 100]
    if key.endswith("_s") or key.endswith("seconds"):
        out += [abs(value) / 60, abs(value) / 3600, abs(value) / 86400]
    if key.endswith("_h") or key.endswith("hours"):
        out += [value * 60]
    return out


def backed_numbers(facts_list: Iterable[dict[str, Any]]) -> list[float]:
    values: list[float] = []
    for facts in facts_list:
        for key, value in _walk(facts):
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, (int, float)):
                values += _numeric_variants(key, float(value))
    return values


def backed_texts(facts_list: Iterable[dict[str, Any]], extra: Iterable[str]) -> list[str]:
    """Strings whose digits are not figures: names, codes, times, windows."""
    texts: list[str] = [t for t in extra if t]
    for facts in facts_list:
        zone = str(facts.get("timezone") or "UTC")
        for _key, value in _walk(facts):
            if isinstance(value, str):
                texts.append(value)
                try:
                    moment = datetime.fromisoformat(value)
                except ValueError:
                    continue
                if moment.tzinfo is not None:
                    texts += datetime_phrases(moment, zone)
    # Longest first: "SMT-1-PNP1" before "SMT-1".
    return sorted(set(texts), key=len, reverse=True)


def _parse(token: str) -> tuple[float, int] | None:
    token = token.replace("−", "-").replace(",", "")
    try:
        value = float(token)
    except ValueError:
        return None
    decimals = len(token.split(".", 1)[1]) if "." in token else 0
    return value, decimals


def check(
    text: str,
    facts_list: list[dict[str, Any]],
    extra_texts: Iterable[str] = (),
    question: str = "",
) -> Check:
    """Which numbers in ``text`` no fact backs (an empty tuple: the answer may go out).

    Numbers the asker wrote (a quantity, a date) may be repeated back."""
    stripped = text
    for literal in backed_texts(facts_list, [*extra_texts]):
        if any(ch.isdigit() for ch in literal):
            stripped = stripped.replace(literal, " ")
    asked = {p[0] for t in _NUMBER.findall(question) if (p := _parse(t))}
    values = backed_numbers(facts_list)
    unbacked = []
    for token in _NUMBER.findall(stripped):
        parsed = _parse(token)
        if parsed is None:
            continue
        printed, decimals = parsed
        tolerance = 0.5 * 10**-decimals + 1e-9
        if printed in asked or any(abs(printed - v) <= tolerance for v in values):
            continue
        unbacked.append(token)
    return Check(not unbacked, tuple(unbacked))
