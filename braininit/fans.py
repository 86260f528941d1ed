"""Fan-in and fan-out of weight shapes, in JAX's layout or the channels-first layout.

JAX, Flax and Haiku store dense kernels as ``(in, out)`` and convolution
kernels as ``(*spatial, in, out)``. Equinox and PyTorch store them channels
first: Linear ``(out, in)`` and Conv ``(out, in, *spatial)``. In both layouts
the axes that are neither input, output nor batch form the receptive field,
whose size multiplies both fans.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, Union

__all__ = ["Axes", "LAYOUTS", "MODES", "compute_fans", "fan_for_mode", "layout_axes", "normalize_axes"]

Axes = Union[int, Sequence[int]]
Layout = Literal["jax", "channels_first"]

# Layout name -> (in_axis, out_axis).
LAYOUTS: dict[str, tuple[int, int]] = {"jax": (-2, -1), "channels_first": (1, 0)}
MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")


def _as_tuple(axes: Axes) -> tuple[int, ...]:
    if isinstance(axes, int):
        return (axes,)
    return tuple(int(axis) for axis in axes)


def normalize_axes(axes: Axes, name: str, owner: str) -> int | tuple[int, ...]:
    """Return ``axes`` as an int or a tuple of ints, so the value is hashable.

    Raises:
      TypeError: if ``axes`` is not an int or a sequence of ints.
    """
    if isinstance(axes, bool):
        raise TypeError(f"{owner}: {name} must be an int or a sequence of ints, got {axes!r}.")
    if isinstance(axes, int):
        return axes
    try:
        return tuple(int(axis) for axis in axes)
    except TypeError:
        raise TypeError(f"{owner}: {name} must be an int or a sequence of ints, got {axes!r}.") from None


def layout_axes(layout: str, in_axis: Axes, out_axis: Axes, owner: str) -> tuple[Axes, Axes]:
    """Resolve the ``layout`` switch against explicitly given axes.

    Args:
      layout: ``"jax"`` or ``"channels_first"``.
      in_axis: the in_axis argument as given.
      out_axis: the out_axis argument as given.
      owner: the initializer's name, used in messages.

    Returns:
      The ``(in_axis, out_axis)`` to use.

    Raises:
      ValueError: for an unknown layout, or a non-default layout combined
        with axes that differ from JAX's defaults.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"{owner}: unknown layout {layout!r}; valid layouts are {sorted(LAYOUTS)}.")
    if layout == "jax":
        return in_axis, out_axis

    if (in_axis, out_axis) != LAYOUTS["jax"]:
        raise ValueError(
            f"{owner}: layout={layout!r} sets the axes itself, but in_axis={in_axis!r} and "
            f"out_axis={out_axis!r} were also given; pass either the layout or the axes."
        )
    return LAYOUTS[layout]


def _resolve(shape: tuple[int, ...], axes: Axes, name: str) -> tuple[int, ...]:
    rank = len(shape)
    resolved = []
    for axis in _as_tuple(axes):
        if not -rank <= axis < rank:
            raise ValueError(f"{name}={axes!r} is out of range for shape {shape} of rank {rank}.")
        resolved.append(axis % rank)
    return tuple(resolved)


def compute_fans(
    shape: Sequence[int],
    in_axis: Axes = -2,
    out_axis: Axes = -1,
    batch_axis: Axes = (),
    layout: Layout = "jax",
) -> tuple[float, float]:
    """Compute the fan-in and fan-out of a weight shape.

    ``fan_in = prod(shape[in_axis]) * receptive_field`` and
    ``fan_out = prod(shape[out_axis]) * receptive_field``, where the receptive
    field is the product of the axes not named in any argument.

    Args:
      shape: the weight shape.
      in_axis: axis or axes of input features. Default: JAX's ``-2``.
      out_axis: axis or axes of output features. Default: JAX's ``-1``.
      batch_axis: axes of independent weight sets, counted in neither fan.
      layout: ``"jax"`` (the default) or ``"channels_first"`` for Equinox and
        PyTorch weights: Linear ``(out, in)``, Conv ``(out, in, *spatial)``.

    Returns:
      ``(fan_in, fan_out)`` as floats.

    Raises:
      ValueError: for fewer than 2 axes with the default axes, axes out of
        range, or an axis named twice.

    Example:
      >>> compute_fans((3, 3, 16, 32))
      (144.0, 288.0)
      >>> compute_fans((32, 16, 3, 3), layout="channels_first")
      (144.0, 288.0)
    """
    shape = tuple(int(dim) for dim in shape)
    in_axis, out_axis = layout_axes(layout, in_axis, out_axis, "compute_fans")

    if len(shape) < 2 and (in_axis, out_axis) == LAYOUTS["jax"]:
        raise ValueError(
            f"cannot compute fans of shape {shape} with {len(shape)} axes: the default "
            "in_axis=-2 and out_axis=-1 need at least 2. For a vector, pass the axes explicitly, "
            "e.g. in_axis=0, out_axis=() for a vector that feeds one unit, or draw biases from "
            "a distribution such as Normal or Zeros."
        )

    in_axes = _resolve(shape, in_axis, "in_axis")
    out_axes = _resolve(shape, out_axis, "out_axis")
    batch_axes = _resolve(shape, batch_axis, "batch_axis")
    named = in_axes + out_axes + batch_axes
    if len(set(named)) != len(named):
        raise ValueError(
            f"in_axis={in_axis!r}, out_axis={out_axis!r} and batch_axis={batch_axis!r} name the "
            f"same axis of shape {shape} more than once; each axis can have one role."
        )

    receptive_field = math.prod(dim for axis, dim in enumerate(shape) if axis not in named)
    fan_in = math.prod(shape[axis] for axis in in_axes) * receptive_field
    fan_out = math.prod(shape[axis] for axis in out_axes) * receptive_field
    return float(fan_in), float(fan_out)


def fan_for_mode(fan_in: float, fan_out: float, mode: str) -> float:
    """Return the fan that ``mode`` divides the variance by.

    ``fan_avg`` is the arithmetic mean and ``fan_geo_avg`` the geometric mean
    of the two fans.

    Raises:
      ValueError: for an unknown mode.
    """
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    if mode == "fan_avg":
        return (fan_in + fan_out) / 2
    if mode == "fan_geo_avg":
        return (fan_in * fan_out) ** 0.5
    raise ValueError(f"unknown mode {mode!r}; valid modes are {MODES}.")
