"""Validation of the three call arguments every initializer shares: key, shape and dtype."""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

__all__ = ["check_key", "canonicalize_shape", "resolve_dtype", "default_float_dtype"]

# Raw (legacy) key lengths of the PRNG implementations jax ships. A raw key is
# read with the default implementation, so its length must match that one.
_RAW_KEY_LENGTHS = {"threefry2x32": 2, "rbg": 4, "unsafe_rbg": 4}


def _raw_key_length() -> int | None:
    return _RAW_KEY_LENGTHS.get(str(jax.config.jax_default_prng_impl))


def _describe(value: Any) -> str:
    """Describe a value by type, and by dtype and shape when it is an array."""
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return f"{type(value).__name__} of dtype {value.dtype} and shape {tuple(value.shape)}"
    return f"{type(value).__name__} {value!r}"


def check_key(key: Any, owner: str) -> Any:
    """Check that ``key`` is a single PRNG key and return it unchanged.

    Accepts a typed key from ``jax.random.key`` (any implementation) or a raw
    ``uint32`` key from ``jax.random.PRNGKey``, also as a tracer under
    ``jax.jit`` or ``jax.vmap``.

    Args:
      key: the value passed as the key.
      owner: the name of the initializer, used in the error message.

    Returns:
      The key, unchanged.

    Raises:
      TypeError: if ``key`` is not a key, or is a batch of keys.
    """
    dtype = getattr(key, "dtype", None)
    shape = tuple(getattr(key, "shape", ()))

    if dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        if shape != ():
            raise TypeError(
                f"{owner}: expected a single PRNG key, got a batch of keys of shape {shape}; "
                "map over the batch with jax.vmap(init, in_axes=(0, None)) instead."
            )
        return key

    length = _raw_key_length()
    if dtype is not None and np.dtype(dtype) == np.uint32 and len(shape) >= 1:
        if len(shape) == 1 and shape[0] == length:
            return key
        if len(shape) == 1 and length is not None:
            raise TypeError(
                f"{owner}: a raw uint32 key of the default PRNG implementation "
                f"{jax.config.jax_default_prng_impl} has shape ({length},), got shape {shape}. "
                "For another implementation use a typed key: jax.random.key(seed, impl=...)."
            )
        if len(shape) == 2 and shape[1] == length:
            raise TypeError(
                f"{owner}: expected a single PRNG key, got a batch of raw keys of shape {shape}; "
                "map over the batch with jax.vmap(init, in_axes=(0, None)) instead."
            )

    raise TypeError(
        f"{owner}: key must be a PRNG key, got {_describe(key)}. "
        "Make one with jax.random.key(seed) and split it with jax.random.split(key)."
    )


def _canonicalize_dim(dim: Any, shape: Any, owner: str) -> int:
    """Convert one dimension to a non-negative Python int."""
    if isinstance(dim, (bool, np.bool_)):
        raise TypeError(f"{owner}: shape {shape!r} contains the bool {dim!r}; dimensions must be ints.")

    try:
        value = operator.index(dim)
    except TypeError:
        raise TypeError(
            f"{owner}: shape {shape!r} contains {dim!r} of type {type(dim).__name__}; "
            "dimensions must be ints (NumPy integers are accepted)."
        ) from None

    if value < 0:
        raise ValueError(f"{owner}: shape {shape!r} contains the negative dimension {value}.")
    return value


def canonicalize_shape(shape: Any, owner: str) -> tuple[int, ...]:
    """Convert an int or a sequence of ints to a tuple of non-negative ints.

    Args:
      shape: an int, or a sequence of ints (NumPy integers accepted).
      owner: the name of the initializer, used in the error message.

    Returns:
      The shape as a tuple of Python ints.

    Raises:
      TypeError: if a dimension is a bool, a float or not a number.
      ValueError: if a dimension is negative.
    """
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        return (_canonicalize_dim(shape, shape, owner),)

    if isinstance(shape, (str, bytes)) or not isinstance(shape, (Sequence, np.ndarray)):
        raise TypeError(
            f"{owner}: shape must be an int or a sequence of ints, got {_describe(shape)}."
        )

    return tuple(_canonicalize_dim(dim, shape, owner) for dim in shape)


def default_float_dtype() -> np.dtype:
    """Return JAX's default float dtype: float64 when x64 is enabled, else float32."""
    return np.dtype(jax.dtypes.canonicalize_dtype(np.float64))


def resolve_dtype(
    dtype: Any,
    owner: str,
    *,
    allow_integer: bool = False,
    allow_complex: bool = True,
) -> np.dtype:
    """Resolve a requested dtype to the concrete dtype JAX will produce.

    ``None`` becomes JAX's default float dtype. A 64-bit dtype requested while
    x64 is disabled becomes its 32-bit counterpart, with one warning.

    Args:
      dtype: the requested dtype, or None.
      owner: the name of the initializer, used in messages.
      allow_integer: whether integer and bool dtypes are valid.
      allow_complex: whether complex dtypes are valid.

    Returns:
      A NumPy dtype (bfloat16 included, through ml_dtypes).

    Raises:
      TypeError: if ``dtype`` is not a dtype.
      ValueError: if the dtype kind is not valid for this initializer.
    """
    if dtype is None:
        return default_float_dtype()

    try:
        requested = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}: {dtype!r} is not a dtype; pass e.g. jnp.float32.") from None

    is_integer = requested.kind in "biu"
    is_complex = requested.kind == "c"
    if is_integer and not allow_integer:
        raise ValueError(
            f"{owner} draws real numbers and cannot fill dtype {requested.name}; "
            "request a floating dtype such as jnp.float32 and cast the result if needed."
        )
    if is_complex and not allow_complex:
        raise ValueError(
            f"{owner} does not support the complex dtype {requested.name}; "
            "request a real floating dtype such as jnp.float32."
        )
    if requested.kind not in "biufcV" and requested.name != "bfloat16":
        raise ValueError(f"{owner}: dtype {requested.name} is not a numeric dtype.")

    canonical = np.dtype(jax.dtypes.canonicalize_dtype(requested))
    if canonical != requested:
        warnings.warn(
            f"{owner}: dtype {requested.name} was requested but 64-bit types are disabled, "
            f"so the result is {canonical.name}. Set jax.config.update('jax_enable_x64', True) "
            "to get 64-bit values.",
            UserWarning,
            stacklevel=4,
        )
    return canonical
