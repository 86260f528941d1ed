"""Diagnostics of initializers: weight statistics, signal and gradient propagation, spectra.

These are the measurements behind ``braininit report``, as library functions
that take any initializer, including your own:

- :func:`weight_statistics` and :func:`expected_std` compare a draw with the
  std its formula predicts.
- :func:`signal_propagation` and :func:`gradient_flow` push a unit-variance
  batch through a deep square MLP (``a_l = f(a_{l-1} @ W_l)``) and record the
  activation std and the backpropagated gradient norm of every layer.
- :func:`rnn_gradient_flow` backpropagates through a linear recurrence.
- :func:`singular_values`, :func:`gram_deviation`, :func:`orthogonality_error`,
  :func:`max_abs_eigenvalue` and :func:`passthrough_error` check spectra and
  structured (orthogonal, identity, Dirac) weights.

The heavy functions are jitted, vmap over keys and ``lax.scan`` over layers
or time steps. Weights enter the jitted functions as arrays, so trying another
initializer of the same shape does not recompile. Everything runs in float32:
a std that leaves float32's range is returned as ``inf`` (overflow) or ``0``
(underflow), never as NaN.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Union

import jax
import jax.numpy as jnp
import numpy as np

from braininit.constant import Constant, Ones, Zeros
from braininit.distributions import Normal, TruncatedNormal, Uniform
from braininit.identity import Identity
from braininit.orthogonal import Orthogonal, kernel_centre
from braininit.units import split_unit

__all__ = [
    "ACTIVATIONS",
    "Propagation",
    "KeySummary",
    "resolve_activation",
    "sample_weights",
    "sample_layers",
    "weight_statistics",
    "expected_std",
    "propagate",
    "signal_propagation",
    "gradient_flow",
    "recurrent_gradient_norms",
    "rnn_gradient_flow",
    "singular_values",
    "gram_deviation",
    "orthogonality_error",
    "max_abs_eigenvalue",
    "passthrough_error",
    "to_jax_layout",
    "centre_matrix",
    "off_centre_max",
    "summarize_keys",
    "classify_stability",
]

Activation = Union[str, Callable[[jax.Array], jax.Array]]


def _linear(x: jax.Array) -> jax.Array:
    return x


def _leaky_relu(x: jax.Array) -> jax.Array:
    return jax.nn.leaky_relu(x, negative_slope=0.2)


def _gelu(x: jax.Array) -> jax.Array:
    return jax.nn.gelu(x, approximate=False)


# leaky_relu uses slope 0.2. gelu is the exact erf form, as in braininit.calculate_gain.
ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "linear": _linear,
    "relu": jax.nn.relu,
    "leaky_relu": _leaky_relu,
    "tanh": jnp.tanh,
    "selu": jax.nn.selu,
    "gelu": _gelu,
}


class Propagation(NamedTuple):
    """Per-layer measurements of a deep MLP, each of shape ``(n_activations, n_keys, depth)``.

    Attributes:
      std: std of the post-activation values of each layer, over batch and units.
      grad_norm: root mean square over the batch of ``||dL/dh_l||``, the
        gradient with respect to the pre-activation ``h_l`` of each layer, for
        ``L = sum(g * a_depth)`` with a standard normal ``g``.
    """

    std: jax.Array
    grad_norm: jax.Array


class KeySummary(NamedTuple):
    """A curve summarized over keys: geometric mean, minimum and maximum along axis 0."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def resolve_activation(activation: Activation) -> Callable[[jax.Array], jax.Array]:
    """Return the function for an activation name of :data:`ACTIVATIONS`, or a callable unchanged.

    Raises:
      ValueError: for an unknown name.
      TypeError: for something that is neither a name nor a callable.
    """
    if callable(activation):
        return activation
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; valid names are {sorted(ACTIVATIONS)}, or pass a function.")
        return ACTIVATIONS[activation]
    raise TypeError(f"activation must be a name in {sorted(ACTIVATIONS)} or a function, got {activation!r}.")


def _check_positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def sample_weights(init: Callable[..., Any], shape: Sequence[int], key: jax.Array, n: int) -> jax.Array:
    """Draw ``n`` independent weights of ``shape`` from ``init``.

    Draw ``i`` uses ``jax.random.fold_in(key, i)``, so the first draws do not
    change when ``n`` grows. The draws are separate calls rather than one
    vmapped call: called eagerly, every initializer of a shape then reuses the
    same compiled random-number programs, where a vmapped draw compiles a new
    program per initializer. Wrap ``init`` in ``jax.vmap`` yourself for one
    batched draw under ``jax.jit``.

    Args:
      init: an initializer, called as ``init(key, shape)``.
      shape: the shape of one weight.
      key: a PRNG key.
      n: the number of draws.

    Returns:
      An array of shape ``(n, *shape)``.

    Example:
      >>> import jax, braininit as bi
      >>> sample_weights(bi.Orthogonal(), (8, 8), jax.random.key(0), 3).shape
      (3, 8, 8)
    """
    n = _check_positive("n", n)
    shape = tuple(int(dim) for dim in shape)
    return jnp.stack([init(jax.random.fold_in(key, i), shape) for i in range(n)])


def sample_layers(init: Callable[..., Any], width: int, depth: int, key: jax.Array, n_keys: int) -> jax.Array:
    """Draw ``n_keys`` stacks of ``depth`` square ``(width, width)`` weights in JAX's ``(in, out)`` layout.

    Layer ``l`` of stack ``i`` uses ``fold_in(fold_in(key, i), l)``, so a
    shallower network is the first layers of a deeper one.

    Returns:
      An array of shape ``(n_keys, depth, width, width)``.

    Example:
      >>> import jax, braininit as bi
      >>> sample_layers(bi.KaimingNormal(), 16, 5, jax.random.key(0), 2).shape
      (2, 5, 16, 16)
    """
    width = _check_positive("width", width)
    depth = _check_positive("depth", depth)
    n_keys = _check_positive("n_keys", n_keys)
    return jnp.stack(
        [sample_weights(init, (width, width), jax.random.fold_in(key, i), depth) for i in range(n_keys)]
    )


def _normal_per_key(key: jax.Array, n_keys: int, shape: tuple[int, ...]) -> tuple[jax.Array, jax.Array]:
    """Draw two standard normal arrays of ``shape`` per key ``fold_in(key, i)``, stacked to ``(n_keys, *shape)``.

    Drawn eagerly, so the jitted measurements that use them contain no
    random-number program to compile.
    """
    pairs = [jax.random.split(jax.random.fold_in(key, i)) for i in range(n_keys)]
    first = jnp.stack([jax.random.normal(pair[0], shape) for pair in pairs])
    second = jnp.stack([jax.random.normal(pair[1], shape) for pair in pairs])
    return first, second


@jax.jit
def weight_statistics(w: jax.Array) -> dict[str, jax.Array]:
    """Return the mean, std, minimum and maximum of all entries of ``w``.

    Example:
      >>> import jax.numpy as jnp
      >>> float(weight_statistics(jnp.eye(2))["mean"])
      0.5
    """
    w = jnp.asarray(w)
    return {"mean": jnp.mean(w), "std": jnp.std(w), "min": jnp.min(w), "max": jnp.max(w)}


def _matrix_dims(shape: tuple[int, ...], column_axis: int) -> tuple[int, int]:
    n_cols = shape[column_axis]
    return math.prod(shape) // n_cols, n_cols


def _truncated_normal_std(std: float, a: float, b: float) -> float:
    """Std of N(0, std**2) truncated to ``[a * std, b * std]``, from the standard closed form."""

    def pdf(x: float) -> float:
        return 0.0 if math.isinf(x) else math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))

    mass = cdf(b) - cdf(a)
    tail_a = 0.0 if math.isinf(a) else a * pdf(a)
    tail_b = 0.0 if math.isinf(b) else b * pdf(b)
    shift = (pdf(a) - pdf(b)) / mass
    return std * math.sqrt(1 + (tail_a - tail_b) / mass - shift**2)


def _scalar_params(init: Any, names: tuple[str, ...]) -> dict[str, float]:
    mantissas, _ = split_unit({name: getattr(init, name) for name in names})
    if any(np.ndim(value) for value in mantissas.values()):
        raise ValueError(f"expected_std needs scalar parameters, got {init!r}.")
    return {name: float(value) for name, value in mantissas.items()}


def expected_std(init: Any, shape: Sequence[int]) -> float:
    """Return the std of the entries that ``init`` draws for ``shape``, from its formula.

    - Variance-scaling initializers: ``sqrt(init.variance(shape))``.
    - Orthogonal: ``|scale| / sqrt(max(n_rows, n_cols))``, because each
      orthonormal column (or row) of length ``n`` has entries of variance ``1 / n``.
    - Identity: the std of ``min(n, m)`` entries equal to ``scale`` among ``n * m``.
    - Normal, Uniform, TruncatedNormal, Constant: the distribution's std, in
      the unit of the parameters.

    Args:
      init: a braininit initializer of one of the kinds above.
      shape: the weight shape.

    Returns:
      The predicted std as a float.

    Raises:
      TypeError: for an initializer with no closed form here.
      ValueError: for array-valued parameters.

    Example:
      >>> import braininit as bi
      >>> round(expected_std(bi.KaimingNormal(), (100, 100)), 4)
      0.1414
    """
    shape = tuple(int(dim) for dim in shape)

    if hasattr(init, "variance"):
        return math.sqrt(init.variance(shape))
    if isinstance(init, Orthogonal):
        column_axis = 0 if init.layout == "channels_first" else init.column_axis
        n_rows, n_cols = _matrix_dims(shape, column_axis)
        return abs(init.scale) / math.sqrt(max(n_rows, n_cols))
    if isinstance(init, Identity):
        fraction = min(shape[-2], shape[-1]) / (shape[-2] * shape[-1])
        return abs(float(init.scale)) * math.sqrt(fraction - fraction**2)
    if isinstance(init, Normal):
        return abs(_scalar_params(init, ("std",))["std"])
    if isinstance(init, Uniform):
        params = _scalar_params(init, ("low", "high"))
        return (params["high"] - params["low"]) / math.sqrt(12)
    if isinstance(init, TruncatedNormal):
        params = _scalar_params(init, ("mean", "std", "low", "high"))
        a = (params["low"] - params["mean"]) / params["std"]
        b = (params["high"] - params["mean"]) / params["std"]
        return _truncated_normal_std(params["std"], a, b)
    if isinstance(init, (Constant, Zeros, Ones)):
        return 0.0
    raise TypeError(
        f"expected_std has no closed form for {type(init).__name__}; it covers variance-scaling "
        "initializers, Orthogonal, Identity, Normal, Uniform, TruncatedNormal and constants."
    )


def _mark_overflow(values: jax.Array, reverse: bool = False) -> jax.Array:
    """Set every entry from the first non-finite one onwards (along the last axis) to inf.

    Once float32 overflows, later layers see inf - inf = NaN; the honest
    statement for all of them is that the signal overflowed.
    """
    bad = ~jnp.isfinite(values)
    if reverse:
        bad = jnp.flip(jax.lax.cummax(jnp.flip(bad, -1).astype(jnp.int32), axis=values.ndim - 1), -1)
    else:
        bad = jax.lax.cummax(bad.astype(jnp.int32), axis=values.ndim - 1)
    return jnp.where(bad > 0, jnp.inf, values)


def _scaled_rms(values: jax.Array, axes: tuple[int, ...], centre: bool = False) -> jax.Array:
    """Root mean square (or std, with ``centre``) over ``axes``, computed on values divided by their max.

    Squaring float32 values below about 1e-19 underflows and above 1e19
    overflows; dividing by the maximum first keeps the result exact over
    float32's whole range. An infinite maximum means the values overflowed.
    """
    scale = jnp.max(jnp.abs(values), axis=axes, keepdims=True)
    safe = jnp.where((scale > 0) & jnp.isfinite(scale), scale, 1.0)
    unit = values / safe
    if centre:
        unit = unit - jnp.mean(unit, axis=axes, keepdims=True)
    rms = jnp.sqrt(jnp.mean(unit**2, axis=axes)) * jnp.squeeze(safe, axes)
    return jnp.where(jnp.isfinite(jnp.squeeze(scale, axes)), rms, jnp.inf)


def _propagate_one(weights: jax.Array, x: jax.Array, cotangent: jax.Array, activations: tuple[Callable, ...]):
    depth, width = weights.shape[0], weights.shape[-1]

    # All activations share the weights of a layer, so they run as one stacked matmul.
    inputs = jnp.broadcast_to(x, (len(activations),) + x.shape)
    probes = jnp.zeros((depth,) + inputs.shape, inputs.dtype)

    def layer(a, xs):
        w, probe = xs
        h = a @ w + probe
        a = jnp.stack([f(h[i]) for i, f in enumerate(activations)])
        return a, _scaled_rms(a, (1, 2), centre=True)

    def network(probes):
        return jax.lax.scan(layer, inputs, (weights, probes))

    # The zero probes stand in for each layer's pre-activation, so the pullback
    # returns dL/dh_l for every layer at once.
    output, pullback, std = jax.vjp(network, probes, has_aux=True)
    (grads,) = pullback(jnp.broadcast_to(cotangent, output.shape))
    # Root mean square over the batch of each example's norm: sqrt(width) times the entry RMS.
    grad_norm = math.sqrt(width) * _scaled_rms(grads, (-2, -1))

    return std.T, grad_norm.T


@functools.partial(jax.jit, static_argnames="activations")
def _propagate(weights: jax.Array, x: jax.Array, cotangent: jax.Array, activations: tuple[Callable, ...]) -> Propagation:
    std, grad_norm = jax.vmap(functools.partial(_propagate_one, activations=activations))(weights, x, cotangent)
    std = _mark_overflow(jnp.moveaxis(std, 0, 1))
    grad_norm = _mark_overflow(jnp.moveaxis(grad_norm, 0, 1), reverse=True)
    # Past an overflow the forward values are inf or NaN, and activation
    # derivatives at NaN come out as 0, so no gradient of that network is meaningful.
    forward_overflowed = jnp.any(jnp.isinf(std), axis=-1, keepdims=True)
    grad_norm = jnp.where(forward_overflowed, jnp.inf, grad_norm)
    return Propagation(std, grad_norm)


def propagate(
    weights: jax.Array, activations: Sequence[Activation], key: jax.Array, batch: int = 32
) -> Propagation:
    """Run a deep square MLP for each activation and measure every layer forward and backward.

    The network is ``h_l = a_{l-1} @ W_l``, ``a_l = f(h_l)`` with no biases,
    fed a standard normal batch ``a_0``. Forward, it records ``std(a_l)``.
    Backward, it takes ``L = sum(g * a_depth)`` for a standard normal ``g``
    and records the batch root mean square of ``||dL/dh_l||``. Stack ``i``
    of the weights gets inputs and ``g`` from ``fold_in(key, i)``.

    Args:
      weights: ``(n_keys, depth, width, width)`` stacks of ``(in, out)``
        matrices, for example from :func:`sample_layers`.
      activations: names from :data:`ACTIVATIONS` or functions; one jitted
        pass runs them all on the same weights.
      key: PRNG key for the inputs and the output cotangent.
      batch: the number of input vectors per stack.

    Returns:
      A :class:`Propagation` of arrays ``(n_activations, n_keys, depth)``.
      A std is ``inf`` from the layer where float32 overflowed onwards, and
      then every gradient norm of that network is ``inf`` too. A gradient
      norm is also ``inf`` below the layer where the backward pass itself
      overflowed. Values are ``0`` once the activations underflow to zero.

    Raises:
      ValueError: if ``weights`` is not a stack of square matrices.
    """
    weights = jnp.asarray(weights)
    if weights.ndim != 4 or weights.shape[-1] != weights.shape[-2]:
        raise ValueError(
            f"weights must have shape (n_keys, depth, width, width), got {weights.shape}; "
            "build them with sample_layers."
        )
    batch = _check_positive("batch", batch)
    functions = tuple(resolve_activation(activation) for activation in activations)
    x, cotangent = _normal_per_key(key, weights.shape[0], (batch, weights.shape[-1]))
    return _propagate(weights, x, cotangent, functions)


def _run_mlp(init, activation, depth, width, key, n_keys, batch) -> Propagation:
    key_weights, key_inputs = jax.random.split(key)
    weights = sample_layers(init, width, depth, key_weights, n_keys)
    return propagate(weights, (activation,), key_inputs, batch)


def signal_propagation(
    init: Callable[..., Any],
    activation: Activation,
    depth: int,
    width: int,
    key: jax.Array,
    n_keys: int = 3,
    batch: int = 32,
) -> jax.Array:
    """Measure the activation std of every layer of a deep MLP initialized with ``init``.

    With ``KaimingNormal()`` and ReLU the std stays near ``sqrt(1 - 1/pi) = 0.83``
    at every layer; with ``XavierNormal()`` it halves in variance per layer.
    See :func:`propagate` for the network.

    Args:
      init: an initializer, called as ``init(key, (width, width))``.
      activation: a name from :data:`ACTIVATIONS` or a function.
      depth: the number of layers.
      width: the number of units per layer.
      key: a PRNG key for weights and inputs.
      n_keys: the number of independent networks.
      batch: the number of inputs per network.

    Returns:
      An array of shape ``(n_keys, depth)``.

    Example:
      >>> import jax, braininit as bi
      >>> std = signal_propagation(bi.KaimingNormal(), "relu", 20, 100, jax.random.key(0), n_keys=2)
      >>> std.shape, bool(0.5 < std[:, -1].mean() < 1.2)
      ((2, 20), True)
    """
    return _run_mlp(init, activation, depth, width, key, n_keys, batch).std[0]


def gradient_flow(
    init: Callable[..., Any],
    activation: Activation,
    depth: int,
    width: int,
    key: jax.Array,
    n_keys: int = 3,
    batch: int = 32,
) -> jax.Array:
    """Measure the backpropagated gradient norm at every layer of a deep MLP initialized with ``init``.

    The same network and key use as :func:`signal_propagation`; the value at
    layer ``l`` is the batch root mean square of ``||dL/dh_l||`` (see
    :class:`Propagation`). The last layer's value is the starting point of
    backpropagation, so vanishing gradients show as small values at layer 0.

    Returns:
      An array of shape ``(n_keys, depth)``.

    Example:
      >>> import jax, braininit as bi
      >>> grad = gradient_flow(bi.KaimingNormal(), "relu", 10, 64, jax.random.key(0), n_keys=2)
      >>> grad.shape
      (2, 10)
    """
    return _run_mlp(init, activation, depth, width, key, n_keys, batch).grad_norm[0]


def _recurrent_one(w: jax.Array, cotangent: jax.Array, steps: int) -> jax.Array:
    probes = jnp.zeros((steps,) + cotangent.shape, cotangent.dtype)

    def step(h, probe):
        return h @ w + probe, None

    def recurrence(probes):
        final, _ = jax.lax.scan(step, jnp.zeros_like(cotangent), probes)
        return final

    _, pullback = jax.vjp(recurrence, probes)
    (grads,) = pullback(cotangent)
    norms = math.sqrt(cotangent.shape[-1]) * _scaled_rms(grads, (-2, -1))
    return jnp.flip(norms)


@functools.partial(jax.jit, static_argnames="steps")
def _recurrent(weights: jax.Array, cotangent: jax.Array, steps: int) -> jax.Array:
    norms = jax.vmap(functools.partial(_recurrent_one, steps=steps))(weights, cotangent)
    return _mark_overflow(norms)


def recurrent_gradient_norms(weights: jax.Array, key: jax.Array, steps: int = 100, batch: int = 32) -> jax.Array:
    """Backpropagate through the linear recurrence ``h_t = h_{t-1} @ W`` for ``steps`` steps.

    With ``L = sum(g * h_steps)`` for a standard normal ``g``, the gradient
    ``k`` steps before the loss is ``g (W^T)^k``: it shrinks or grows with
    the eigenvalues of ``W``.

    Args:
      weights: ``(n_keys, hidden, hidden)`` recurrent matrices.
      key: PRNG key for ``g``; stack ``i`` uses ``fold_in(key, i)``.
      steps: the number of time steps.
      batch: the number of cotangent vectors ``g`` per matrix.

    Returns:
      ``(n_keys, steps)``: entry ``k`` is the batch root mean square of
      ``||dL/dh||`` ``k`` steps before the loss (``k = 0`` is ``||g||``).

    Raises:
      ValueError: if ``weights`` is not a stack of square matrices.
    """
    weights = jnp.asarray(weights)
    if weights.ndim != 3 or weights.shape[-1] != weights.shape[-2]:
        raise ValueError(f"weights must have shape (n_keys, hidden, hidden), got {weights.shape}.")
    steps = _check_positive("steps", steps)
    cotangent, _ = _normal_per_key(key, weights.shape[0], (_check_positive("batch", batch), weights.shape[-1]))
    return _recurrent(weights, cotangent, steps)


def rnn_gradient_flow(
    init: Callable[..., Any], hidden: int, steps: int, key: jax.Array, n_keys: int = 3, batch: int = 32
) -> jax.Array:
    """Measure how the gradient norm of a linear recurrence initialized with ``init`` changes over time.

    Draws ``n_keys`` matrices with :func:`sample_weights` from the first half
    of ``key`` and runs :func:`recurrent_gradient_norms` with the second.

    Returns:
      An array ``(n_keys, steps)`` indexed by steps before the loss.

    Example:
      >>> import jax, braininit as bi
      >>> norms = rnn_gradient_flow(bi.Orthogonal(), 16, 50, jax.random.key(0), n_keys=2)
      >>> norms.shape, bool(abs(norms[:, -1] / norms[:, 0] - 1).max() < 1e-3)
      ((2, 50), True)
    """
    key_weights, key_cotangent = jax.random.split(key)
    weights = sample_weights(init, (hidden, hidden), key_weights, n_keys)
    return recurrent_gradient_norms(weights, key_cotangent, steps, batch)


@jax.jit
def singular_values(w: jax.Array) -> jax.Array:
    """Return the singular values of a matrix (or a stack of matrices), in descending order."""
    return jnp.linalg.svd(w, compute_uv=False)


@jax.jit
def gram_deviation(w: jax.Array) -> jax.Array:
    """Return ``W^T W - I`` for a tall or square matrix and ``W W^T - I`` for a wide one.

    An orthogonal matrix (orthonormal columns, or rows when wide) gives zeros.
    """
    w = jnp.asarray(w)
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    return gram - jnp.eye(gram.shape[0], dtype=gram.dtype)


def orthogonality_error(w: jax.Array) -> float:
    """Return ``max |W^T W - I|`` (``W W^T`` for a wide matrix); about 1e-6 for a float32 orthogonal draw.

    Example:
      >>> import jax, braininit as bi
      >>> orthogonality_error(bi.Orthogonal()(jax.random.key(0), (64, 64))) < 1e-5
      True
    """
    return float(_max_abs(gram_deviation(w)))


@jax.jit
def _max_abs(values: jax.Array) -> jax.Array:
    return jnp.max(jnp.abs(values))


def max_abs_eigenvalue(w: Any) -> float:
    """Return the spectral radius ``max |lambda|`` of a square matrix, computed with NumPy on the host.

    Example:
      >>> import numpy as np
      >>> round(max_abs_eigenvalue(np.diag([0.5, -2.0])), 6)
      2.0
    """
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(w, dtype=np.float64)))))


_CONV_DIMENSIONS = {
    1: ("NWC", "WIO", "NWC"),
    2: ("NHWC", "HWIO", "NHWC"),
    3: ("NDHWC", "DHWIO", "NDHWC"),
}


def _check_layout(layout: str) -> None:
    if layout not in ("jax", "channels_first"):
        raise ValueError(f"unknown layout {layout!r}; valid layouts are 'jax' and 'channels_first'.")


def to_jax_layout(weight: jax.Array, layout: str) -> jax.Array:
    """Return a channels-first weight (``(out, in)`` or ``(out, in, *spatial)``) in JAX's layout; a JAX-layout one unchanged.

    Raises:
      ValueError: for an unknown layout.
    """
    _check_layout(layout)
    if layout == "jax":
        return weight
    if weight.ndim == 2:
        return weight.T
    # (out, in, *spatial) -> (*spatial, in, out)
    return jnp.moveaxis(weight, (0, 1), (-1, -2))


def passthrough_error(weight: jax.Array, layout: str = "jax") -> float:
    """Return how far a layer with ``weight`` is from passing its input channels straight through.

    A dense ``(in, out)`` weight is applied as ``x @ W``; a 3-, 4- or 5-D
    kernel as a stride-1 ``'SAME'`` convolution. The input ``x`` is a fixed
    pattern of distinct non-zero values, so any misplaced tap shows. Output
    channel ``c`` should equal input channel ``c`` for ``c < min(in, out)``
    and be zero beyond. This is exact for :class:`~braininit.Identity`
    and :class:`~braininit.Dirac`.

    Args:
      weight: the weight or kernel.
      layout: ``"jax"`` or ``"channels_first"`` (``(out, in)``, ``(out, in, *spatial)``).

    Returns:
      ``max |output - expected|`` as a float.

    Raises:
      ValueError: for an unsupported rank or an unknown layout.

    Example:
      >>> import jax, braininit as bi
      >>> passthrough_error(bi.Dirac()(jax.random.key(0), (3, 3, 4, 6)))
      0.0
    """
    weight = jnp.asarray(weight)
    if weight.ndim != 2 and weight.ndim - 2 not in _CONV_DIMENSIONS:
        raise ValueError(f"passthrough_error takes a 2-D weight or a 3-, 4- or 5-D kernel, got shape {weight.shape}.")
    _check_layout(layout)
    return float(_passthrough_error(weight, layout))


def _test_pattern(shape: tuple[int, ...], dtype: Any) -> jax.Array:
    # sin of distinct arguments: values in [-1, 1], no two equal and none zero.
    count = math.prod(shape)
    return jnp.sin(1.0 + 0.618034 * jnp.arange(count, dtype=dtype)).reshape(shape)


@functools.partial(jax.jit, static_argnames="layout")
def _passthrough_error(weight: jax.Array, layout: str) -> jax.Array:
    weight = to_jax_layout(weight, layout)
    n_in, n_out = weight.shape[-2], weight.shape[-1]

    if weight.ndim == 2:
        x = _test_pattern((8, n_in), weight.dtype)
        y = x @ weight
    else:
        spatial = weight.ndim - 2
        x = _test_pattern((2,) + (7,) * spatial + (n_in,), weight.dtype)
        y = jax.lax.conv_general_dilated(x, weight, (1,) * spatial, "SAME", dimension_numbers=_CONV_DIMENSIONS[spatial])

    passed = min(n_in, n_out)
    expected = jnp.zeros(y.shape, y.dtype).at[..., :passed].set(x[..., :passed])
    return jnp.max(jnp.abs(y - expected))


def centre_matrix(kernel: jax.Array, layout: str = "jax") -> jax.Array:
    """Return the ``(in, out)`` channel matrix at the centre tap ``(k - 1) // 2`` of a convolution kernel."""
    _check_layout(layout)
    return _centre_matrix(jnp.asarray(kernel), layout)


@functools.partial(jax.jit, static_argnames="layout")
def _centre_matrix(kernel: jax.Array, layout: str) -> jax.Array:
    kernel = to_jax_layout(kernel, layout)
    return kernel[kernel_centre(kernel.shape[:-2])]


def off_centre_max(kernel: jax.Array, layout: str = "jax") -> float:
    """Return ``max |kernel|`` over every tap except the centre; 0 for a delta-orthogonal or Dirac kernel."""
    _check_layout(layout)
    return float(_off_centre_max(jnp.asarray(kernel), layout))


@functools.partial(jax.jit, static_argnames="layout")
def _off_centre_max(kernel: jax.Array, layout: str) -> jax.Array:
    kernel = to_jax_layout(kernel, layout)
    border = kernel.at[kernel_centre(kernel.shape[:-2])].set(0)
    return jnp.max(jnp.abs(border))


def summarize_keys(values: Any) -> KeySummary:
    """Summarize per-key curves ``(n_keys, ...)`` by their geometric mean, minimum and maximum over keys.

    The geometric mean suits quantities that grow or shrink by factors. It is
    ``inf`` when any key overflowed and ``0`` when any key underflowed (and
    none overflowed).
    """
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.exp(np.mean(np.log(values), axis=0))
    mean = np.where(np.isinf(values).any(axis=0), np.inf, mean)
    return KeySummary(mean, values.min(axis=0), values.max(axis=0))


def classify_stability(curve: Any, start: int = 0, band: tuple[float, float] = (0.5, 2.0)) -> str:
    """Classify a per-layer curve by how far it leaves its starting value.

    The ratio ``curve / curve[start]`` must stay within ``band`` at every
    point for ``"stable"``. Otherwise the verdict is ``"vanishing"`` when it
    only falls below the band, ``"exploding"`` when it only rises above it,
    and ``"unstable"`` when it does both.

    Args:
      curve: a 1-D sequence of positive values (``inf`` counts as overflow).
      start: the index of the starting value: 0 for a forward pass, -1 for a backward pass.
      band: the allowed ``(low, high)`` ratio.

    Returns:
      One of ``"stable"``, ``"vanishing"``, ``"exploding"``, ``"unstable"``.

    Example:
      >>> classify_stability([1.0, 0.9, 0.3])
      'vanishing'
      >>> classify_stability([1.0, 1.5, 0.6, 3.0], start=-1)
      'vanishing'
    """
    curve = np.asarray(curve, dtype=np.float64)
    reference = curve[start]
    if not np.isfinite(reference):
        return "exploding"
    if reference <= 0:
        return "vanishing"

    ratio = curve / reference
    low = bool(np.any(ratio < band[0]))
    high = bool(np.any(ratio > band[1]) or np.any(~np.isfinite(ratio)))
    if low and high:
        return "unstable"
    if low:
        return "vanishing"
    if high:
        return "exploding"
    return "stable"
