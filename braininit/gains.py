"""Gains of activation functions: the factor that keeps signal scale through a layer.

A layer with weights of variance ``gain**2 / fan_in`` keeps the second
moment of its pre-activations when ``gain = 1 / sqrt(E[f(z)**2])`` for
``z ~ N(0, 1)``. The table follows ``torch.nn.init.calculate_gain`` for the
names it shares with PyTorch, so tanh is 5/3 and selu 3/4: both are
conventions, not that formula. The other named activations and any callable
use the formula, evaluated by quadrature.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Union

import numpy as np

__all__ = ["calculate_gain", "numeric_gain", "NONLINEARITIES"]

Nonlinearity = Union[str, Callable[[Any], Any]]

# Gauss-Legendre nodes on each half-line [-12, 0] and [0, 12]. The normal
# density beyond 12 carries about 2e-33 of the mass. Splitting at 0 keeps the
# rule exact to about 1e-13 for activations with a kink there (ReLU, ELU),
# where whole-line Gauss-Hermite quadrature converges slowly.
_QUADRATURE_NODES = 128
_QUADRATURE_HALF_WIDTH = 12.0

_LINEAR_NAMES = (
    "linear", "identity", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid",
)


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[float])(x)


def _elu(alpha: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


# Activations whose gain is computed from the formula, as NumPy functions.
# gelu is the exact (erf) form, as in PyTorch's default and jax.nn.gelu(approximate=False).
_NUMERIC_ACTIVATIONS: dict[str, Callable[[float | None], Callable[[np.ndarray], np.ndarray]]] = {
    "gelu": lambda param: (lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))),
    "silu": lambda param: (lambda x: x / (1.0 + np.exp(-x))),
    "swish": lambda param: (lambda x: x / (1.0 + np.exp(-x))),
    "elu": lambda param: _elu(1.0 if param is None else param),
    "softplus": lambda param: (lambda x: np.logaddexp(0.0, x)),
}

NONLINEARITIES = tuple(sorted(_LINEAR_NAMES + ("tanh", "relu", "leaky_relu", "selu") + tuple(_NUMERIC_ACTIVATIONS)))


@functools.lru_cache(maxsize=None)
def _gaussian_quadrature() -> tuple[np.ndarray, np.ndarray]:
    """Return nodes and weights that integrate ``f(z) * pdf(z)`` for ``z ~ N(0, 1)``."""
    unit_nodes, unit_weights = np.polynomial.legendre.leggauss(_QUADRATURE_NODES)
    half_nodes = (unit_nodes + 1.0) * (_QUADRATURE_HALF_WIDTH / 2.0)
    half_weights = unit_weights * (_QUADRATURE_HALF_WIDTH / 2.0)

    nodes = np.concatenate([-half_nodes[::-1], half_nodes])
    density = np.exp(-0.5 * nodes**2) / math.sqrt(2.0 * math.pi)
    weights = np.concatenate([half_weights[::-1], half_weights]) * density
    return nodes, weights


def _second_moment(activation: Callable[[Any], Any]) -> float:
    nodes, weights = _gaussian_quadrature()
    values = np.asarray(activation(nodes), dtype=np.float64)
    if values.shape != nodes.shape:
        raise ValueError(
            f"activation {activation!r} must be elementwise: it mapped {nodes.shape[0]} inputs "
            f"to an output of shape {values.shape}."
        )
    return float(np.sum(weights * values**2))


def numeric_gain(activation: Callable[[Any], Any]) -> float:
    """Compute the gain of any elementwise activation: ``1 / sqrt(E[f(z)**2])``, ``z ~ N(0, 1)``.

    The expectation is a Gauss-Legendre quadrature on each half-line, split at
    0, so ``activation`` is evaluated once on a NumPy array of 256 points and
    JAX functions such as ``jax.nn.mish`` work. The result is exact to about
    1e-12 for activations that are smooth except at 0; a kink elsewhere
    (ReLU6 at 6) costs accuracy in proportion to the mass near it.

    Args:
      activation: an elementwise function.

    Returns:
      The gain as a float.

    Raises:
      ValueError: if the activation is zero or not finite at the quadrature nodes.

    Example:
      >>> round(numeric_gain(lambda x: np.maximum(x, 0.0)), 6)  # ReLU
      1.414214
    """
    moment = _second_moment(activation)
    if not math.isfinite(moment) or moment <= 0.0:
        raise ValueError(
            f"cannot compute a gain for {activation!r}: E[f(z)**2] is {moment}, "
            "but a gain needs a positive, finite second moment."
        )
    return 1.0 / math.sqrt(moment)


def _check_param(nonlinearity: str, param: Any, default: float) -> float:
    if param is None:
        return default
    if isinstance(param, bool) or not isinstance(param, (int, float, np.integer, np.floating)):
        raise ValueError(f"param for {nonlinearity!r} must be a number, got {param!r}.")
    return float(param)


def calculate_gain(nonlinearity: Nonlinearity, param: float | None = None) -> float:
    """Return the recommended gain for an activation function.

    ========================  =====================================
    nonlinearity              gain
    ========================  =====================================
    linear, conv*, sigmoid    1
    tanh                      5/3
    relu                      sqrt(2)
    leaky_relu                sqrt(2 / (1 + negative_slope**2))
    selu                      3/4
    gelu, silu/swish, elu,    1 / sqrt(E[f(z)**2]), z ~ N(0, 1)
    softplus, any callable
    ========================  =====================================

    Args:
      nonlinearity: an activation name from the table, or an elementwise callable.
      param: the negative slope of ``leaky_relu`` (default 0.01) or the alpha
        of ``elu`` (default 1.0); other names take none.

    Returns:
      The gain as a float.

    Raises:
      ValueError: for an unknown name, or a ``param`` that is not a number.

    Example:
      >>> calculate_gain("relu") ** 2
      2.0000000000000004
      >>> round(calculate_gain("leaky_relu", 0.2), 6)
      1.38675
    """
    if callable(nonlinearity):
        return numeric_gain(nonlinearity)

    if param is not None and nonlinearity not in ("leaky_relu", "elu"):
        raise ValueError(
            f"nonlinearity {nonlinearity!r} takes no param, got param={param!r}; "
            "only leaky_relu (negative slope) and elu (alpha) take one."
        )
    if nonlinearity in _LINEAR_NAMES:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = _check_param(nonlinearity, param, 0.01)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    if nonlinearity in _NUMERIC_ACTIVATIONS:
        alpha = _check_param(nonlinearity, param, 1.0) if nonlinearity == "elu" else None
        return _cached_named_gain(nonlinearity, alpha)

    raise ValueError(
        f"unknown nonlinearity {nonlinearity!r}; valid names are {', '.join(NONLINEARITIES)}, "
        "or pass the activation function itself."
    )


@functools.lru_cache(maxsize=None)
def _cached_named_gain(name: str, param: float | None) -> float:
    return numeric_gain(_NUMERIC_ACTIVATIONS[name](param))
