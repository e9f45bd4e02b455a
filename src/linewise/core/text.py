"""Plain text typed by people: names and codes of master data.

A name travels into XLSX exports (XML 1.0 has no control characters), PostgreSQL text
(no NUL), labels and logs. A control character in one is never what the person meant and,
once stored, used to break every XLSX export of its sheet; so names refuse them on input.
Use ``Name`` as a field type in any schema that takes a name or a code.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

# C0 and C1 controls (tab, newline and NUL included), DEL, lone surrogates (they cannot be
# encoded as UTF-8) and the two XML non-characters.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def refuse_control_characters(value: str) -> str:
    """``value`` unchanged, or ValueError naming the first control character and where."""
    found = CONTROL_CHARACTERS.search(value)
    if found is not None:
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}; names are single-line plain text"
        )
    return value


Name = Annotated[str, AfterValidator(refuse_control_characters)]


# What no database here can store: NUL (PostgreSQL text refuses it) and lone surrogates
# (they have no UTF-8 encoding). Sent in any text field, they used to reach the database
# and answer 500 instead of a 422 naming the field.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def refuse_unstorable(value: object) -> object:
    """``value`` unchanged, or ValueError if it (or a string in it) cannot be stored."""
    if isinstance(value, str):
        found = UNSTORABLE.search(value)
        if found is not None:
            raise ValueError(
                f"contains U+{ord(found.group()):04X} at position {found.start() + 1}, "
                "which cannot be stored"
            )
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            refuse_unstorable(item)
    elif isinstance(value, dict):
        for item in value.values():
            refuse_unstorable(item)
    return value
