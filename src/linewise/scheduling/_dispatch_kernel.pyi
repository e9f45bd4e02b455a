from array import array
from typing import Any

FIELDS: int

def run(packed: tuple[array[Any], ...], rule: int, k1: float, k2: float) -> tuple[Any, ...]: ...
