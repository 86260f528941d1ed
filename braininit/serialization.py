"""Conversion of initializer parameters to hashable keys and to plain, JSON-ready data."""

from __future__ import annotations

import importlib
from typing import Any, Callable

import numpy as np

from braininit.units import brainunit, is_quantity, is_unit

__all__ = ["freeze", "encode", "decode"]


def freeze(value: Any) -> Any:
    """Return a hashable stand-in for a parameter value, equal for equal values.

    Arrays become ``(dtype, shape, bytes)``, Quantities add their unit, and
    lists become tuples. Anything else must already be hashable.
    """
    if is_quantity(value):
        return ("Quantity", freeze(value.mantissa), str(value.unit))
    if is_unit(value):
        return ("Unit", str(value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(freeze(item) for item in value)
    if isinstance(value, dict):
        return ("dict",) + tuple(sorted((key, freeze(item)) for key, item in value.items()))
    if hasattr(value, "__array__") and not np.isscalar(value):
        array = np.asarray(value)
        return ("array", array.dtype.str, array.shape, array.tobytes())
    if isinstance(value, np.generic):
        return value.item()
    return value


def _callable_path(function: Callable) -> str:
    """Return the import path of a module-level function, or raise ValueError."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    if module is None or qualname is None or "<" in qualname:
        raise ValueError(
            f"cannot serialize the callable {function!r}: only module-level functions can be "
            "written to a config; define it with def at module level."
        )
    return f"{module}:{qualname}"


def _import_callable(path: str) -> Callable:
    """Import a function from a ``module:qualname`` path."""
    module_name, _, qualname = path.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def encode(value: Any) -> Any:
    """Encode a parameter value as JSON-ready data (dicts, lists, str, numbers).

    Initializers encode through their own ``to_config``.
    """
    if hasattr(value, "to_config") and callable(value.to_config):
        return value.to_config()
    if is_quantity(value):
        return {"__quantity__": encode(value.mantissa), "unit": str(value.unit)}
    if is_unit(value):
        return {"__unit__": str(value)}
    if isinstance(value, np.dtype):
        return {"__dtype__": value.name}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__array__"):
        array = np.asarray(value)
        return {"__array__": array.tolist(), "dtype": array.dtype.name}
    if callable(value):
        return {"__callable__": _callable_path(value)}
    raise ValueError(f"cannot serialize the parameter value {value!r} of type {type(value).__name__}.")


def decode(data: Any, build_initializer: Callable[[dict], Any]) -> Any:
    """Invert :func:`encode`; ``build_initializer`` rebuilds nested initializer configs."""
    if isinstance(data, list):
        return [decode(item, build_initializer) for item in data]
    if not isinstance(data, dict):
        return data
    if "class" in data and "params" in data:
        return build_initializer(data)
    if "__quantity__" in data:
        mantissa = decode(data["__quantity__"], build_initializer)
        return brainunit().Quantity(mantissa, unit=brainunit().parse_unit(data["unit"]))
    if "__unit__" in data:
        return brainunit().parse_unit(data["__unit__"])
    if "__dtype__" in data:
        return np.dtype(data["__dtype__"])
    if "__tuple__" in data:
        return tuple(decode(item, build_initializer) for item in data["__tuple__"])
    if "__array__" in data:
        return np.asarray(data["__array__"], dtype=data["dtype"])
    if "__callable__" in data:
        return _import_callable(data["__callable__"])
    raise ValueError(f"cannot decode the config entry {data!r}.")
