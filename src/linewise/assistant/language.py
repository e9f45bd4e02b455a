"""Floor language to something the grammar reads: lower case, one kind of dash and quote,
no filler, and typos mended against the words the assistant knows."""

from __future__ import annotations

import difflib
import re

from linewise.assistant import embedding

# Words the intents and windows are written in; a misspelt one is mended to its nearest.
DOMAIN_WORDS = frozenset(
    [
        "oee",
        "availability",
        "available",
        "performance",
        "effectiveness",
        "quality",
        "yield",
        "ratio",
        "rate",
        "scrap",
        "scrapped",
        "rejects",
        "rejected",
        "rework",
        "produced",
        "output",
        "units",
        "boards",
        "good",
        "made",
        "downtime",
        "stopped",
        "stops",
        "stoppage",
        "breakdown",
        "causes",
        "reasons",
        "pareto",
        "biggest",
        "order",
        "orders",
        "stage",
        "step",
        "status",
        "progress",
        "finish",
        "finished",
        "complete",
        "completed",
        "late",
        "delayed",
        "behind",
        "schedule",
        "overdue",
        "when",
        "shift",
        "week",
        "today",
        "yesterday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "morning",
        "machine",
        "machines",
        "line",
        "lines",
        "running",
        "running",
        "down",
        "idle",
        "maintenance",
        "due",
        "overdue",
        "failure",
        "failures",
        "health",
        "predicted",
        "stock",
        "material",
        "materials",
        "shortage",
        "shortages",
        "short",
        "alert",
        "alerts",
        "alarms",
        "bottleneck",
        "bottlenecks",
        "delay",
        "delays",
        "delivery",
        "deliveries",
        "customer",
        "product",
        "products",
        "planned",
        "plan",
        "schedule",
        "working",
        "who",
        "operator",
        "operators",
        "people",
        "inspection",
        "defects",
        "defect",
        "nonconformance",
        "spc",
        "chart",
        "charts",
        "throughput",
        "mtbf",
        "mttr",
        "average",
        "current",
        "currently",
        "previous",
        "last",
        "this",
        "how",
        "many",
        "much",
        "what",
        "which",
        "where",
        "is",
        "are",
        "the",
        "of",
        "on",
        "for",
        "today's",
        "yesterday's",
        "line's",
        "machine's",
        # Words of the floor, stock, quality, maintenance and alert intents that the
        # mending would otherwise turn into a neighbour ("state" into "stage").
        "state",
        "states",
        "quantity",
        "reorder",
        "figures",
        "defective",
        "fails",
        "there",
        "control",
        "hold",
    ]
)

_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "’": "'", "‘": "'", "“": '"', "”": '"'})


def normalize(question: str) -> str:
    text = question.translate(_DASHES).lower()
    text = re.sub(r"[?!]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text


# Everyday words that are close to a domain word but are not typos of it ("should" is
# not "hold", "there" is not "where").
_EVERYDAY = frozenset(
    [
        "should",
        "could",
        "would",
        "there",
        "their",
        "these",
        "those",
        "where",
        "whose",
        "while",
        "about",
        "after",
        "again",
        "before",
        "being",
        "below",
        "cook",
        "cooking",
        "think",
        "thing",
        "things",
        "thanks",
        "please",
        "paint",
        "music",
        "news",
        "funny",
        "joke",
        "world",
        "price",
        "money",
        "house",
        "train",
        "trains",
        "movie",
    ]
)


def mend_typos(text: str, extra_vocabulary: set[str]) -> str:
    """Replace words that are not known but close to a known one ("avialability").

    A typo keeps its first letter here, everyday words stay, and the letters of a code
    ("paint-1", "weld2") are never mended into another code."""
    vocabulary = DOMAIN_WORDS | extra_vocabulary
    english = embedding.english_words()
    by_letter: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        by_letter.setdefault(word[:1], []).append(word)

    def mend(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or word in vocabulary or word in _EVERYDAY or word in english:
            return word
        if re.match(r"[\s\-_]*\d", text[match.end() : match.end() + 3]):
            return word  # the letters of a code
        choices = by_letter.get(word[:1], [])
        close = difflib.get_close_matches(word, choices, n=1, cutoff=0.8 if len(word) > 5 else 0.75)
        return close[0] if close else word

    return re.sub(r"[a-z']+", mend, text)
