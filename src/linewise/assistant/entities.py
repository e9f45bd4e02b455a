"""Find the things a question names: lines and machines by code, name or the way the
floor says them ("SMT line 1" is SMT-1), orders by number, products, materials and
customers by code or name. What looks like a name but matches nothing is reported, so
that the assistant can say "there is no machine called SMT-9" instead of guessing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from linewise.assistant import repository
from linewise.assistant.repository import Named

_SEP = r"[\s\-_/.]*"


def _flexible(text: str) -> str:
    """A regex for ``text`` whose letters and digits may be split or joined by spaces,
    dashes or slashes: "SMT-1-PNP1" matches "smt 1 pnp 1" and "smt1-pnp1"."""
    parts = re.findall(r"[a-z]+|\d+", text.lower())
    return _SEP.join(re.escape(p) for p in parts)


def _alias_patterns(thing: Named) -> list[str]:
    patterns = []
    code = thing.code.lower()
    if thing.kind in ("line", "area"):
        parts = re.findall(r"[a-z]+|\d+", code)
        if len(parts) >= 2 and parts[-1].isdigit():
            head = _SEP.join(re.escape(p) for p in parts[:-1])
            # "SMT line 1", "line 1 of SMT" is too loose; "SMT-1", "smt 1", "smt line 1"
            patterns.append(rf"{head}{_SEP}(?:line{_SEP})?{parts[-1]}")
            patterns.append(rf"line{_SEP}{head}{_SEP}{parts[-1]}")
        else:
            patterns.append(_flexible(code))
    elif thing.kind in ("order",):
        patterns.append(_flexible(code))
    else:
        patterns.append(_flexible(code))
    name = thing.name.lower().strip()
    if name and name != code and len(name) >= 3:
        patterns.append(_flexible(name))
    if thing.kind == "line" and "/" in thing.name:
        # "DIP/THT line 1" is also "DIP line 1" and "THT line 1"
        first, rest = thing.name.lower().split("/", 1)
        tail = rest.split(" ", 1)[1] if " " in rest else ""
        patterns.append(_flexible(f"{first} {tail}"))
        patterns.append(_flexible(rest))
    if thing.kind == "line" and thing.name.lower().startswith("packing"):
        patterns.append(_flexible("pack" + thing.name[len("packing") :]))
    # A name that ends in letters must not swallow the head of another code: "SMT" (the
    # area) is not what "SMT-9" or "SMT line 9" names.
    return [
        rf"(?<![a-z0-9]){p}(?![a-z0-9])"
        + ("" if p[-1:].isdigit() else rf"(?!{_SEP}(?:line{_SEP})?\d)")
        for p in patterns
        if p
    ]


@dataclass
class Found:
    thing: Named
    start: int
    end: int


@dataclass
class Mentions:
    """Everything a question names, by kind, in the order it names them."""

    found: list[Found] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # code-like words that matched nothing

    def of(self, kind: str) -> list[Named]:
        return [f.thing for f in self.found if f.thing.kind == kind]

    def first(self, *kinds: str) -> Named | None:
        for f in self.found:
            if f.thing.kind in kinds:
                return f.thing
        return None


# Code-like words: letters, a dash or not, digits ("SMT-9", "PO-99999", "pnp7").
_CODE_LIKE = re.compile(r"(?<![a-z0-9])([a-z]{2,8})-?(\d{1,6})(?:-([a-z]+\d*))?(?![a-z0-9])")
_ORDER_DIGITS = re.compile(r"(?<![a-z0-9-])(?:po|order|wo|job)?[\s#\-]*(\d{4,})(?![0-9])")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_LINE_LIKE = re.compile(r"(?<![a-z0-9])([a-z]{2,8})[\s\-_]*line[\s\-_]*(\d{1,3})(?![a-z0-9])")
_NOT_NAMES = frozenset({"iso", "week", "w", "day", "shift", "last", "top", "line", "jan"})


class Resolver:
    """Names of this factory, loaded once per question (the tables are small)."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.things = repository.catalog(db)
        self._patterns = [(re.compile(p), t) for t in self.things for p in _alias_patterns(t)]

    def vocabulary(self) -> set[str]:
        words: set[str] = set()
        for t in self.things:
            words.update(re.findall(r"[a-z]{3,}", f"{t.code} {t.name}".lower()))
        return words

    def find(self, text: str) -> Mentions:
        """Mentions in ``text`` (lower-case): the longest match wins where two overlap."""
        candidates: list[Found] = []
        for pattern, thing in self._patterns:
            for m in pattern.finditer(text):
                candidates.append(Found(thing, m.start(), m.end()))
        digits = [m.group(1) for m in _ORDER_DIGITS.finditer(text)]
        for order in repository.orders_numbered(self.db, digits):
            for m in re.finditer(rf"(?<![a-z0-9]){_flexible(order.code)}(?![a-z0-9])", text):
                candidates.append(Found(order, m.start(), m.end()))
            for m in _ORDER_DIGITS.finditer(text):
                if order.code.endswith(m.group(1)):
                    candidates.append(Found(order, m.start(1), m.end(1)))
        candidates.sort(key=lambda f: (-(f.end - f.start), f.start))
        taken: list[Found] = []
        for c in candidates:
            if any(c.start < t.end and t.start < c.end for t in taken):
                continue
            taken.append(c)
        taken.sort(key=lambda f: f.start)
        mentions = Mentions(taken)
        covered = [(f.start, f.end) for f in taken]
        for m in _CODE_LIKE.finditer(text):
            if m.group(1) in _NOT_NAMES or any(s <= m.start() < e for s, e in covered):
                continue
            mentions.unknown.append(m.group(0).upper())
        for m in _LINE_LIKE.finditer(text):
            if m.group(1) in _NOT_NAMES or any(s <= m.start() < e for s, e in covered):
                continue
            mentions.unknown.append(f"{m.group(1).upper()} line {m.group(2)}")
        covered += [(m.start(), m.end()) for m in _DATE.finditer(text)]  # dates are windows
        for m in _ORDER_DIGITS.finditer(text):
            if any(s <= m.start(1) < e for s, e in covered):
                continue
            word = m.group(0).strip()
            if not re.match(r"20\d\d$", m.group(1)) and word.upper() not in mentions.unknown:
                mentions.unknown.append(word.upper())
        return mentions
