"""Shared value types: integers the database can hold.

Python integers are unbounded, SQL integers are not: 2**63 given as an id made SQLite
raise OverflowError and PostgreSQL refuse the parameter, both a 500. Ids, versions and
counters are 32-bit ``INTEGER`` columns on PostgreSQL, which casts a parameter compared
with one to ``INTEGER`` too, so even 2**31 as an id failed there. Every integer that comes
from a request is therefore bounded to a signed 32-bit value unless it declares bounds of
its own (a field meant for a ``BIGINT`` column says so with ``le=INT64_MAX``), and an
out-of-range number is a 422 naming the field.

``DbInt`` can be used in a signature or a schema; the app also applies these bounds to
every integer parameter and body field when it is assembled (``linewise.api.int_bounds``),
so a new route cannot forget them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from enum import Enum
from typing import Annotated, Any

import annotated_types as at

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

DbInt = Annotated[int, at.Ge(INT32_MIN), at.Le(INT32_MAX)]


def missing_bounds(metadata: Sequence[Any]) -> list[Any]:
    """The bounds to add after ``metadata`` so that the value fits the database.

    A bound declared already is kept (pydantic applies the last bound of a kind, so an
    added one comes after); one that no SQL integer can hold is narrowed to 64 bits.
    """
    lower: list[Any] = [m.ge for m in metadata if isinstance(m, at.Ge)]
    lower += [m.gt for m in metadata if isinstance(m, at.Gt)]
    upper: list[Any] = [m.le for m in metadata if isinstance(m, at.Le)]
    upper += [m.lt for m in metadata if isinstance(m, at.Lt)]
    missing: list[Any] = []
    if not lower:
        missing.append(at.Ge(INT32_MIN))
    elif lower[-1] < INT64_MIN:
        missing.append(at.Ge(INT64_MIN))
    if not upper:
        missing.append(at.Le(INT32_MAX))
    elif upper[-1] > INT64_MAX:
        missing.append(at.Le(INT64_MAX))
    return missing


def bound_ints(annotation: Any) -> Any:
    """``annotation`` with every plain ``int`` in it (also inside ``X | None``, ``list[X]``,
    ``dict[K, V]`` and ``Annotated``) given the bounds of ``DbInt``; the rest unchanged.

    Idempotent, and ``bool`` (a subclass of int), enums and literals are left alone.
    """
    if annotation is int:
        return DbInt
    origin = typing.get_origin(annotation)
    if origin is None or origin is typing.Literal:
        return annotation
    args = typing.get_args(annotation)
    if origin is Annotated:
        inner, *metadata = args
        if inner is int:
            missing = missing_bounds(metadata)
            return Annotated[(int, *metadata, *missing)] if missing else annotation
        new_inner = bound_ints(inner)
        if new_inner is inner:
            return annotation
        return Annotated[(new_inner, *metadata)]
    new_args = tuple(bound_ints(a) for a in args)
    if all(n is o for n, o in zip(new_args, args, strict=True)):
        return annotation
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[new_args]  # noqa: UP007 (built from a tuple of arguments)
    if isinstance(origin, type) and issubclass(origin, Enum):
        return annotation
    return origin[new_args]
