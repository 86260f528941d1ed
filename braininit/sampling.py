"""Samplers shared by the families: exact truncated normal, Haar orthogonal, complex draws.

Each sampler is a pure function of a key, a static shape and a dtype.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

__all__ = [
    "isolate",
    "compute_dtype",
    "log_normal_cdf",
    "truncated_standard_normal",
    "haar_orthogonal",
    "complex_uniform_disk",
    "complex_truncated_normal",
]

_HALF_PRECISION = (np.dtype(jnp.float16), np.dtype(jnp.bfloat16))
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
# Newton steps on log(Phi(x)) = log(u) in the far tail. From the asymptotic
# start the error falls from about 1e-2 to below float64 rounding in three.
_TAIL_NEWTON_STEPS = 3


def isolate(values: jax.Array) -> jax.Array:
    """Keep XLA from fusing or reassociating arithmetic across this point.

    Initializers always run compiled (see ``core``), while
    ``jax.nn.initializers`` called eagerly rounds after every operation. A
    barrier after each draw makes the compiled ``draw * std`` round exactly
    as the eager one, instead of XLA folding ``std`` into the sampler's own
    constants, which changes the last bit.
    """
    return jax.lax.optimization_barrier(values)


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """Return the dtype to compute in: float32 for float16 and bfloat16, else ``dtype``.

    Half-precision floats have too few bits for the QR and inverse-CDF steps,
    so samplers compute in float32 and the caller casts the result.
    """
    if np.dtype(dtype) in _HALF_PRECISION:
        return np.dtype(jnp.float32)
    return np.dtype(dtype)


def log_normal_cdf(x: float) -> float:
    """Return ``log(Phi(x))`` in float64 on the host, finite down to x = -1e150."""
    if x == math.inf:
        return 0.0
    if x == -math.inf:
        return -math.inf
    if x > -30.0:
        return math.log(0.5 * math.erfc(-x / math.sqrt(2.0)))

    # Asymptotic series of the Mills ratio; at x = -30 the first omitted term is ~1e-11.
    inv_x2 = 1.0 / (x * x)
    series = 1.0 - inv_x2 + 3.0 * inv_x2**2 - 15.0 * inv_x2**3 + 105.0 * inv_x2**4
    return -0.5 * x * x - math.log(-x) - _LOG_SQRT_2PI + math.log(series)


def _log1mexp(x: float) -> float:
    """Return ``log(1 - exp(x))`` for ``x <= 0`` without cancellation."""
    if x > -math.log(2.0):
        return math.log(-math.expm1(x))
    return math.log1p(-math.exp(x))


def _tail_quantile(log_u: jax.Array, dtype: np.dtype) -> jax.Array:
    """Solve ``log(Phi(x)) = log_u`` for x far in the left tail, by Newton's method."""
    t = -log_u
    # Leading terms of the asymptotic inverse of log(Phi) as x -> -inf.
    x = -jnp.sqrt(2.0 * t - jnp.log(4.0 * jnp.pi * t))
    for _ in range(_TAIL_NEWTON_STEPS):
        log_cdf = special.log_ndtr(x)
        log_pdf = -0.5 * x * x - jnp.asarray(_LOG_SQRT_2PI, dtype)
        x = x - (log_cdf - log_u) * jnp.exp(log_cdf - log_pdf)
    return x


def _one_sided(key: jax.Array, shape: tuple[int, ...], dtype: np.dtype, a: float, b: float) -> jax.Array:
    """Sample N(0, 1) truncated to ``[a, b]`` with ``b <= 0``, in log space.

    ``u = Phi(a) + U * (Phi(b) - Phi(a))`` is formed as ``log u``, so bounds
    whose CDF underflows (a = -40) still give exact quantiles.
    """
    log_a = log_normal_cdf(a)
    log_b = log_normal_cdf(b)
    log_mass = log_b + _log1mexp(log_a - log_b) if log_a > -math.inf else log_b

    tiny = np.finfo(dtype).tiny
    uniform = jax.random.uniform(key, shape, dtype, minval=tiny, maxval=1.0)
    log_u = jnp.logaddexp(jnp.asarray(log_a, dtype), jnp.log(uniform) + jnp.asarray(log_mass, dtype))

    # Below this log-probability exp(log_u) leaves the normal float range.
    threshold = math.log(tiny) + 10.0
    if log_a > threshold:
        x = special.ndtri(jnp.exp(log_u))
    else:
        in_range = log_u > threshold
        direct = special.ndtri(jnp.exp(jnp.where(in_range, log_u, 0.0)))
        tail = _tail_quantile(jnp.where(in_range, threshold - 1.0, log_u), dtype)
        x = jnp.where(in_range, direct, tail)
    return jnp.clip(x, a, b)


def truncated_standard_normal(
    key: jax.Array, shape: tuple[int, ...], dtype: np.dtype, a: float, b: float
) -> jax.Array:
    """Sample the standard normal truncated to ``[a, b]``, exact for any bounds.

    An interval that contains 0 uses ``jax.random.truncated_normal``, so those
    values are bit-identical to JAX's. An interval on one side of 0, where
    the inverse error function loses all precision (for ``[5, 6]`` JAX returns
    the bound itself), is mirrored to the left tail and sampled in log space.

    Args:
      key: a PRNG key.
      shape: the result shape.
      dtype: a real floating dtype; half precision computes in float32.
      a: lower bound in standard units, may be ``-inf``.
      b: upper bound in standard units, may be ``inf``; ``a < b``.

    Returns:
      An array of ``shape`` in the compute dtype (see :func:`compute_dtype`).
    """
    dtype = compute_dtype(dtype)
    if a <= 0.0 <= b:
        # Bounds enter as runtime values, as in JAX's own compiled sampler, so that
        # XLA does not constant-fold erf(bound) with a different rounding.
        lower, upper = isolate(jnp.array(a, dtype)), isolate(jnp.array(b, dtype))
        return isolate(jax.random.truncated_normal(key, lower, upper, shape, dtype))
    if a > 0.0:
        return -_one_sided(key, shape, dtype, -b, -a)
    return _one_sided(key, shape, dtype, a, b)


# Threefry-2x32 with 20 rounds, as jax.random implements it
# (jax/_src/random/threefry2x32.py in jax 0.10.2): the rotation distances of the
# even and odd groups of four rounds, and the key-schedule parity constant.
_THREEFRY_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_THREEFRY_PARITY = np.uint32(0x1BD11BDA)


def _threefry_key_words(key: jax.Array) -> tuple[jax.Array, jax.Array] | None:
    """Return the two uint32 words of a threefry2x32 key, or None for another PRNG implementation."""
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        if str(jax.random.key_impl(key)) != "threefry2x32":
            return None
        data = jax.random.key_data(key)
    elif jax.config.jax_default_prng_impl == "threefry2x32":
        data = key
    else:
        return None
    return data[0], data[1]


def _rotate_left(x: jax.Array, distance: int) -> jax.Array:
    return jax.lax.shift_left(x, np.uint32(distance)) | jax.lax.shift_right_logical(x, np.uint32(32 - distance))


def _threefry2x32(k1: jax.Array, k2: jax.Array, x0: jax.Array, x1: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Hash the counter pairs ``(x0, x1)`` with the key ``(k1, k2)``: 20 rounds, written out."""
    schedule = (k1, k2, k1 ^ k2 ^ _THREEFRY_PARITY)
    x0 = x0 + schedule[0]
    x1 = x1 + schedule[1]
    for block in range(5):
        for distance in _THREEFRY_ROTATIONS[block % 2]:
            x0 = x0 + x1
            x1 = _rotate_left(x1, distance) ^ x0
        x0 = x0 + schedule[(block + 1) % 3]
        x1 = x1 + schedule[(block + 2) % 3] + np.uint32(block + 1)
    return x0, x1


def _fused_standard_normal(key: jax.Array, shape: tuple[int, int], dtype: np.dtype) -> jax.Array:
    """Draw ``jax.random.normal(key, shape, dtype)`` bit for bit, as one fused elementwise loop.

    On the CPU, jaxlib lowers the threefry hash to a loop of five rounds over
    whole arrays, which writes two counter-sized arrays per round to memory.
    Written out as elementwise operations, the hash, the uniform and the
    inverse-CDF transform fuse into one pass that writes only the result,
    about 3x less CPU time at 4096x4096 and no scratch buffers. The
    arithmetic follows ``jax.random`` step for step. With
    ``jax_threefry_partitionable`` on, element ``i`` (row-major) hashes the
    counter pair ``(0, i)`` and keeps ``x0 ^ x1``. The top 23 bits make a
    float in ``[1, 2)``, which maps to ``[nextafter(-1, 0), 1)`` and then
    through ``sqrt(2) * erfinv``.

    Falls back to ``jax.random.normal`` for other keys, dtypes and settings.
    """
    words = _threefry_key_words(key)
    supported = (
        words is not None
        and np.dtype(dtype) == np.float32
        and jax.config.jax_threefry_partitionable
        and math.prod(shape) < 2**32
    )
    if not supported:
        return jax.random.normal(key, shape, dtype)

    rows = jax.lax.broadcasted_iota(np.uint32, shape, 0)
    cols = jax.lax.broadcasted_iota(np.uint32, shape, 1)
    x0, x1 = _threefry2x32(*words, jnp.zeros(shape, np.uint32), rows * np.uint32(shape[1]) + cols)
    bits = x0 ^ x1

    # The top 23 bits become the mantissa of a float in [1, 2).
    mantissa = jax.lax.shift_right_logical(bits, np.uint32(32 - np.finfo(np.float32).nmant))
    one_to_two = jax.lax.bitcast_convert_type(mantissa | np.array(1.0, np.float32).view(np.uint32), np.float32)
    unit = one_to_two - np.float32(1.0)

    low = np.nextafter(np.float32(-1.0), np.float32(0.0))
    uniform = jax.lax.max(low, unit * (np.float32(1.0) - low) + low)
    return np.float32(np.sqrt(2.0)) * jax.lax.erf_inv(uniform)


def haar_orthogonal(key: jax.Array, n_rows: int, n_cols: int, dtype: np.dtype) -> jax.Array:
    """Draw a Haar-distributed ``(n_rows, n_cols)`` matrix with orthonormal rows or columns.

    QR of a Gaussian matrix, with each column of Q multiplied by the sign of
    the matching diagonal entry of R, so Q does not depend on QR's sign
    convention and is uniform on the orthogonal (or unitary) group. For
    float32, float64 and complex dtypes the values equal
    ``jax.random.orthogonal(key, n_rows, (), dtype, n_cols)``.

    The QR is LAPACK's geqrf then orgqr (``householder_product``) on the CPU,
    the same calls ``jax.random.orthogonal`` makes, so Q is the same bit for
    bit; only the float32 Gaussian is drawn in one fused pass (see
    :func:`_fused_standard_normal`).

    Returns:
      An array of the compute dtype (float32 for half-precision requests).
    """
    dtype = compute_dtype(dtype)
    tall, short = max(n_rows, n_cols), min(n_rows, n_cols)

    gaussian = _fused_standard_normal(key, (tall, short), dtype)
    q, r = jnp.linalg.qr(gaussian)
    diagonal = jnp.diagonal(r)
    # A zero diagonal entry has probability zero; count its sign as +1 rather than zeroing a column.
    signs = jnp.where(diagonal == 0, jnp.ones_like(diagonal), jnp.sign(diagonal))
    q = q * signs[None, :]

    if n_rows < n_cols:
        return q.T
    return q


def complex_uniform_disk(key: jax.Array, shape: tuple[int, ...], dtype: np.dtype) -> jax.Array:
    """Sample uniformly on the complex disk of radius sqrt(2): mean 0, variance 1.

    The arithmetic matches ``jax.nn.initializers.variance_scaling`` with
    ``distribution="uniform"`` on complex dtypes.
    """
    key_radius, key_angle = jax.random.split(key)
    real_dtype = np.array(0, dtype).real.dtype
    radius = jnp.sqrt(2 * jax.random.uniform(key_radius, shape, real_dtype)).astype(dtype)
    angle = 2 * np.pi * jax.random.uniform(key_angle, shape, real_dtype).astype(dtype)
    return radius * jnp.exp(1j * angle)


def complex_truncated_normal(key: jax.Array, upper: float, shape: tuple[int, ...], dtype: np.dtype) -> jax.Array:
    """Sample a complex normal of unit variance (before truncation) with modulus below ``upper``.

    The arithmetic matches ``jax.nn.initializers.variance_scaling`` with
    ``distribution="truncated_normal"`` on complex dtypes. The values agree
    with JAX's only to rounding, about 1e-7 relative in complex64, because
    XLA fuses the complex log and sqrt differently by context. Even JAX's own
    eager and jitted results differ in the last bits.
    """
    key_radius, key_angle = jax.random.split(key)
    real_dtype = np.array(0, dtype).real.dtype
    mass = 1 - jnp.exp(isolate(jnp.array(-(upper**2), dtype)))
    t = mass * jax.random.uniform(key_radius, shape, real_dtype).astype(dtype)
    radius = jnp.sqrt(-jnp.log(1 - t))
    angle = 2 * np.pi * jax.random.uniform(key_angle, shape, real_dtype).astype(dtype)
    return radius * jnp.exp(1j * angle)
