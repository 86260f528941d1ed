"""Orthogonal and delta-orthogonal initializers.

An orthogonal weight keeps the norm of every vector it maps (or of every
vector in its row space, when it is not square), so signals neither grow nor
shrink through depth or time in a linear network.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.core import Initializer, Shape
from braininit.fans import LAYOUTS
from braininit.sampling import compute_dtype, haar_orthogonal

__all__ = ["Orthogonal", "DeltaOrthogonal", "kernel_centre"]


def _check_scale(owner: str, scale: Any) -> None:
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: scale must be a real number, got {scale!r}.")
    if not math.isfinite(scale):
        raise ValueError(f"{owner}: scale must be finite, got {scale!r}.")


def _column_axis(owner: str, layout: str, column_axis: int) -> int:
    """Resolve the layout switch to the column axis."""
    if layout not in LAYOUTS:
        raise ValueError(f"{owner}: unknown layout {layout!r}; valid layouts are {sorted(LAYOUTS)}.")
    if layout == "jax":
        return column_axis
    if column_axis != -1:
        raise ValueError(
            f"{owner}: layout={layout!r} sets the column axis itself, but column_axis={column_axis!r} "
            "was also given; pass either the layout or the axis."
        )
    # Channels-first weights put the output axis first.
    return 0


def kernel_centre(spatial: Shape) -> tuple[int, ...]:
    """Return the centre index of a convolution kernel's spatial axes: ``(k - 1) // 2`` each.

    For an even size k this is the lower of the two middle taps, the tap that a
    ``'SAME'`` convolution in JAX aligns with the output position (it pads
    ``(k - 1) // 2`` before the input). ``jax.nn.initializers.delta_orthogonal``
    uses the same index; ``torch.nn.init.dirac_`` uses ``k // 2``.
    """
    return tuple((k - 1) // 2 for k in spatial)


def _orthogonal_matrix(key: jax.Array, shape: Shape, column_axis: int, scale: float, dtype: np.dtype) -> jax.Array:
    """Draw an orthogonal array of ``shape`` in the compute dtype, as ``jax.nn.initializers.orthogonal``."""
    work_dtype = compute_dtype(dtype)
    n_cols = shape[column_axis]
    n_rows = math.prod(shape) // n_cols

    matrix = haar_orthogonal(key, n_rows, n_cols, work_dtype)
    matrix = jnp.reshape(matrix, tuple(np.delete(shape, column_axis)) + (n_cols,))
    matrix = jnp.moveaxis(matrix, -1, column_axis)
    return jnp.array(scale, work_dtype) * matrix


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Orthogonal(Initializer):
    """Draw a Haar-distributed (semi-)orthogonal array, times ``scale``.

    All axes but ``column_axis`` are flattened into rows, giving an
    ``(n_rows, n_cols)`` matrix whose columns are orthonormal when
    ``n_rows >= n_cols`` (``W^T W = scale**2 I``) and whose rows are orthonormal
    otherwise. QR's sign ambiguity is removed with the signs of ``diag(R)``,
    so the distribution is uniform (Haar) on the orthogonal group. Complex
    dtypes give unitary matrices. float16 and bfloat16 are computed in
    float32, then cast; float32, float64 and complex values are bit-identical
    to ``jax.nn.initializers.orthogonal``.

    Args:
      scale: multiplies the orthogonal matrix.
      column_axis: the axis whose entries index the orthonormal columns.
      layout: ``"jax"`` (``(in, out)`` kernels, columns on the last axis) or
        ``"channels_first"`` (``(out, in, ...)`` weights, columns on axis 0).
      dtype: default result dtype.

    Raises:
      ValueError: for a shape with fewer than 2 axes, a column axis out of
        range, or an unknown layout.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> w = Orthogonal()(jax.random.key(0), (64, 32))
      >>> bool(jnp.allclose(w.T @ w, jnp.eye(32), atol=1e-5))
      True
    """

    scale: float = 1.0
    column_axis: int = -1
    layout: str = "jax"

    supports_complex = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_scale("Orthogonal", self.scale)
        object.__setattr__(self, "_column", _column_axis("Orthogonal", self.layout, self.column_axis))

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape with at least 2 axes, got {shape}; "
                "for a vector use Normal or reshape it to (n, 1)."
            )
        if not -len(shape) <= self._column < len(shape):
            raise ValueError(f"Orthogonal: column_axis={self._column} is out of range for shape {shape}.")
        return _orthogonal_matrix(key, shape, self._column, self.scale, dtype).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DeltaOrthogonal(Initializer):
    """Draw a convolution kernel that is zero except an orthogonal channel matrix at the centre tap.

    A network of such convolutions is orthogonal at initialization, the
    condition under which very deep CNNs train (Xiao et al., 2018,
    "Dynamical Isometry and a Mean Field Theory of CNNs"). The centre is
    ``(k - 1) // 2`` on every spatial axis (see :func:`kernel_centre`), as in
    ``jax.nn.initializers.delta_orthogonal``, whose values this matches bit
    for bit where JAX returns. Unlike JAX, more input than output channels is
    allowed: the centre matrix is then semi-orthogonal, with orthonormal
    columns (``M^T M = scale**2 I``).

    Args:
      scale: multiplies the orthogonal matrix.
      column_axis: column axis of the centre matrix, as in :class:`Orthogonal`.
      layout: ``"jax"`` for ``(*spatial, in, out)`` kernels or
        ``"channels_first"`` for ``(out, in, *spatial)``. The same key gives
        the transposed centre matrix in the second layout.
      dtype: default result dtype.

    Raises:
      ValueError: for a shape that is not 3-, 4- or 5-D.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> w = DeltaOrthogonal()(jax.random.key(0), (3, 3, 16, 16))
      >>> centre = w[1, 1]
      >>> bool(jnp.allclose(centre.T @ centre, jnp.eye(16), atol=1e-5)), float(abs(w[0]).max())
      (True, 0.0)
    """

    scale: float = 1.0
    column_axis: int = -1
    layout: str = "jax"

    supports_complex = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_scale("DeltaOrthogonal", self.scale)
        _column_axis("DeltaOrthogonal", self.layout, self.column_axis)

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        if len(shape) not in (3, 4, 5):
            raise ValueError(
                f"DeltaOrthogonal needs a 3-, 4- or 5-D convolution kernel (1-, 2- or 3-D "
                f"convolution), got shape {shape}; for a dense kernel use Orthogonal."
            )

        if self.layout == "jax":
            spatial, channels = shape[:-2], shape[-2:]
        else:
            spatial, channels = shape[2:], (shape[1], shape[0])

        matrix = _orthogonal_matrix(key, channels, self.column_axis, self.scale, dtype).astype(dtype)
        centre = kernel_centre(spatial)
        kernel = jnp.zeros(shape, dtype)
        if self.layout == "jax":
            return kernel.at[centre].set(matrix)
        return kernel.at[(slice(None), slice(None)) + centre].set(matrix.T)
