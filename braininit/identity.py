"""Identity initializers: Identity for dense weights and Dirac for convolution kernels."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.core import Initializer, Shape
from braininit.fans import LAYOUTS
from braininit.orthogonal import kernel_centre

__all__ = ["Identity", "Dirac"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Identity(Initializer):
    """Fill a matrix with ``scale`` times the identity; the key is checked but unused.

    A rectangular shape gets ones on the main diagonal (``jnp.eye(n, m)``). A
    shape with more than 2 axes gets the identity in its trailing two axes,
    repeated over the leading ones, so a stack of recurrent weights starts as
    a stack of identities (Le et al., 2015, "A Simple Way to Initialize
    Recurrent Networks of Rectified Linear Units").

    Args:
      scale: the diagonal value.
      dtype: default result dtype.

    Raises:
      ValueError: for a shape with fewer than 2 axes.

    Example:
      >>> import jax
      >>> Identity(0.5)(jax.random.key(0), (2, 3))
      Array([[0.5, 0. , 0. ],
             [0. , 0.5, 0. ]], dtype=float32)
    """

    scale: Any = 1.0

    draws_random = False
    supports_complex = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if np.ndim(self.scale) != 0 or not np.isfinite(self.scale):
            raise ValueError(f"Identity: scale must be a finite scalar, got {self.scale!r}.")

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        del key
        if len(shape) < 2:
            raise ValueError(f"Identity needs a shape with at least 2 axes, got {shape}.")
        eye = jnp.eye(shape[-2], shape[-1], dtype=dtype) * jnp.asarray(self.scale, dtype)
        return jnp.broadcast_to(eye, shape)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Dirac(Initializer):
    """Build a convolution kernel that passes its input through unchanged.

    The kernel is 1 at the centre tap (``(k - 1) // 2`` per spatial axis, see
    :func:`~braininit.orthogonal.kernel_centre`) between input channel ``d``
    and output channel ``d`` of each group, and 0 elsewhere, so a stride-1
    ``'SAME'`` convolution with ``feature_group_count=groups`` returns its
    input. With more outputs than inputs per group, the extra output channels
    are zero; with fewer, the extra inputs are dropped. PyTorch's ``dirac_``
    uses the centre ``k // 2``, which differs for even kernel sizes.

    Args:
      groups: number of channel groups; must divide the output channels.
      layout: ``"jax"`` for ``(*spatial, in_per_group, out)`` kernels or
        ``"channels_first"`` for ``(out, in_per_group, *spatial)``.
      dtype: default result dtype.

    Raises:
      ValueError: for a shape that is not 3-, 4- or 5-D, or output channels
        that ``groups`` does not divide.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> w = Dirac()(jax.random.key(0), (3, 3, 4, 4))
      >>> x = jax.random.normal(jax.random.key(1), (1, 8, 8, 4))
      >>> y = jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
      >>> bool(jnp.allclose(x, y))
      True
    """

    groups: int = 1
    layout: str = "jax"

    draws_random = False
    supports_complex = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.groups, bool) or not isinstance(self.groups, (int, np.integer)) or self.groups < 1:
            raise ValueError(f"Dirac: groups must be a positive int, got {self.groups!r}.")
        if self.layout not in LAYOUTS:
            raise ValueError(f"Dirac: unknown layout {self.layout!r}; valid layouts are {sorted(LAYOUTS)}.")

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        del key
        if len(shape) not in (3, 4, 5):
            raise ValueError(
                f"Dirac needs a 3-, 4- or 5-D convolution kernel, got shape {shape}; "
                "for a dense weight use Identity."
            )

        if self.layout == "jax":
            spatial, in_per_group, out_channels = shape[:-2], shape[-2], shape[-1]
        else:
            spatial, in_per_group, out_channels = shape[2:], shape[1], shape[0]
        if out_channels % self.groups:
            raise ValueError(
                f"Dirac: groups={self.groups} does not divide the {out_channels} output channels of shape {shape}."
            )

        out_per_group = out_channels // self.groups
        passed = min(in_per_group, out_per_group)
        inputs = np.tile(np.arange(passed), self.groups)
        outputs = (np.arange(self.groups)[:, None] * out_per_group + np.arange(passed)[None, :]).ravel()

        centre = kernel_centre(spatial)
        kernel = jnp.zeros(shape, dtype)
        if self.layout == "jax":
            return kernel.at[centre + (inputs, outputs)].set(1)
        return kernel.at[(outputs, inputs) + centre].set(1)
