"""Turning results into JSON-ready values with consistent rounding, and formatting numbers for tables."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# Six significant digits: far above the noise between keys, and stable
# against last-bit differences between runs.
SIGNIFICANT_DIGITS = 6


def round_float(value: float) -> float | None:
    """Round to ``SIGNIFICANT_DIGITS``; non-finite values (float32 overflow) become None, JSON's null."""
    if not math.isfinite(value):
        return None
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def to_json(value: Any) -> Any:
    """Convert arrays, NumPy scalars, tuples and floats inside ``value`` into rounded plain Python data.

    Raises:
      TypeError: for a value with no JSON form, naming its type.
    """
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round_float(float(value))
    if isinstance(value, str) or value is None:
        return value
    if hasattr(value, "__array__"):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return to_json(array.tolist())
    raise TypeError(f"cannot write a {type(value).__name__} to results.json: {value!r:.80}")


def format_cell(value: Any) -> str:
    """Format a table cell: integers plainly, floats to four significant digits, overflow as 'overflow'."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return "-"
        if math.isinf(value):
            return "overflow"
        if value == int(value) and abs(value) < 1e6:
            return str(int(value))
        return f"{value:.4g}"
    return str(value)
