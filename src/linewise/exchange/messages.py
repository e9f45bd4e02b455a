"""Pydantic's cell errors in plain words that name the column.

The row models (``sheets.py``) are pydantic models, and pydantic's messages are written
for programmers ("Input should be a valid integer, unable to parse string as an
integer"). A planner fixing a spreadsheet needs the column, what it must hold and what
it held instead: "quantity must be a whole number, got 'ten'". Error types without a
mapping here keep pydantic's text, prefixed with the column, so nothing is hidden.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

# The longest cell text quoted back: the message names the cell, it does not echo a page.
_QUOTE_MAX = 40


def _quoted(value: Any) -> str:
    text = str(value)
    if len(text) > _QUOTE_MAX:
        text = text[: _QUOTE_MAX - 1] + "…"
    if isinstance(value, str) and not _is_number(text):
        return repr(text)  # quoted, so that "got 'ten'" shows where the cell's text ends
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _limit(err: ErrorDetails, key: str) -> str:
    ctx = err.get("ctx") or {}
    value = ctx.get(key, "?")
    # 10000000 reads worse than 10,000,000 in a message; floats that are whole read as ints.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def plain_message(column: str, err: ErrorDetails, number_hint: str | None = None) -> str:
    """The error of one cell in ``column`` in words; ``number_hint`` says how the file's
    locale writes a number (added where the cell was not a number at all)."""
    kind = err["type"]
    got = _quoted(err.get("input"))
    hint = f" (write it as {number_hint})" if number_hint else ""
    if kind == "int_parsing":
        return f"{column} must be a whole number, got {got}"
    if kind == "int_from_float":
        return f"{column} must be a whole number without a fraction, got {got}"
    if kind in ("float_parsing", "float_type", "int_type"):
        return f"{column} must be a number, got {got}{hint}"
    if kind == "finite_number":
        return f"{column} must be a finite number, got {got}"
    if kind == "greater_than":
        return f"{column} must be more than {_limit(err, 'gt')}, got {got}"
    if kind == "greater_than_equal":
        return f"{column} must be at least {_limit(err, 'ge')}, got {got}"
    if kind == "less_than":
        return f"{column} must be less than {_limit(err, 'lt')}, got {got}"
    if kind == "less_than_equal":
        return f"{column} must be at most {_limit(err, 'le')}, got {got}"
    if kind == "string_too_short":
        return f"{column} must not be empty"
    if kind == "string_too_long":
        return f"{column} must be at most {_limit(err, 'max_length')} characters long"
    if kind == "missing":
        return f"{column} is required and the cell is empty"
    if kind == "bool_parsing":
        return f"{column} must be yes or no (true/false), got {got}"
    if kind == "enum":
        expected = (err.get("ctx") or {}).get("expected", "")
        return f"{column} must be one of {expected}, got {got}"
    if kind == "value_error":
        # Our own validators already speak in words; pydantic prefixes "Value error, ".
        message = err["msg"].removeprefix("Value error, ")
        return message if message.startswith(column) else f"{column}: {message}"
    return f"{column}: {err['msg']}"
