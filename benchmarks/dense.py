"""Dense 4096x4096 float32 draws: braininit against jax.nn.initializers, torch, braintools and NumPy.

One table per family (Kaiming normal, Xavier uniform, truncated normal)
compares the same distribution across libraries, with the memory-write floor
(filling an array of the same size) as the lower bound. Two more tables
measure the eager call overhead on a tiny shape, and the key implementations
and sampling methods that keep values reproducible for a key.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import braininit as bi
from benchmarks import peers
from benchmarks.harness import (
    Candidate,
    Settings,
    Table,
    block,
    compile_stages,
    run_table,
)

__all__ = ["run"]

CASE = "dense"
REFERENCE = "jax.nn.initializers (jit)"
# Calls per sample in the call-overhead table; one tiny call is too short to time alone.
_OVERHEAD_CALLS = 50


@dataclasses.dataclass(frozen=True)
class Family:
    """One distribution, spelled in every library that has it.

    ``numpy_fill(rng, out)`` draws into a preallocated float32 array; None
    where NumPy has no direct sampler.
    """

    title: str
    braininit: bi.Initializer
    jax: Callable[..., jax.Array]
    torch_init: Callable[[Any, Any], Any]
    braintools: Callable[[Any], Any]
    numpy_fill: Callable[[np.random.Generator, np.ndarray], None] | None


def _normal_fill(std: float) -> Callable[[np.random.Generator, np.ndarray], None]:
    def fill(rng: np.random.Generator, out: np.ndarray) -> None:
        rng.standard_normal(dtype=np.float32, out=out)
        out *= std

    return fill


def _uniform_fill(bound: float) -> Callable[[np.random.Generator, np.ndarray], None]:
    def fill(rng: np.random.Generator, out: np.ndarray) -> None:
        rng.random(dtype=np.float32, out=out)
        out *= 2 * bound
        out -= bound

    return fill


def families(shape: tuple[int, int]) -> list[Family]:
    """Return the three dense families with matching parameters in every library."""
    fan_in, fan_out = shape
    initializers = jax.nn.initializers
    return [
        Family(
            "KaimingNormal (He normal, fan_in, relu gain)",
            bi.KaimingNormal(),
            initializers.variance_scaling(2.0, "fan_in", "normal"),
            lambda torch, t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu"),
            lambda braintools: braintools.init.KaimingNormal(),
            _normal_fill(math.sqrt(2.0 / fan_in)),
        ),
        Family(
            "XavierUniform (Glorot uniform)",
            bi.XavierUniform(),
            initializers.glorot_uniform(),
            lambda torch, t: torch.nn.init.xavier_uniform_(t),
            lambda braintools: braintools.init.XavierUniform(),
            _uniform_fill(math.sqrt(6.0 / (fan_in + fan_out))),
        ),
        Family(
            "TruncatedNormal (std 0.02, cut at +-2 std)",
            bi.TruncatedNormal(std=0.02, low=-0.04, high=0.04),
            initializers.truncated_normal(0.02),
            lambda torch, t: torch.nn.init.trunc_normal_(t, std=0.02, a=-0.04, b=0.04),
            lambda braintools: braintools.init.TruncatedNormal(0.0, 0.02, low=-0.04, high=0.04),
            None,
        ),
    ]


def _jitted(fn: Callable[..., Any], *args: Any) -> Callable[[], tuple[Callable[[], Any], dict[str, Any]]]:
    def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        compiled, stages = compile_stages(fn, *args)
        return (lambda: compiled(*args)), stages

    return setup


def _eager(call: Callable[[], Any]) -> Callable[[], tuple[Callable[[], Any], dict[str, Any]]]:
    return lambda: (call, {})


def _torch_candidates(shape: tuple[int, ...], init: Callable[[Any, Any], Any], name: str) -> list[Candidate]:
    torch = peers.load("torch")
    if torch is None:
        return []

    def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        tensor = torch.empty(shape, dtype=torch.float32, device=peers.torch_device())
        return (lambda: init(torch, tensor)), {}

    return [Candidate(name, setup)]


def _braintools_candidates(shape: tuple[int, ...], make: Callable[[Any], Any]) -> list[Candidate]:
    braintools = peers.load("braintools")
    brainstate = peers.load("brainstate")
    if braintools is None or brainstate is None:
        return []
    peers.seed_braintools(0)
    init = make(braintools)

    def jitted_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        # brainstate's jit advances the global RNG state on every call, as its users see it.
        draw = brainstate.transform.jit(lambda: init(shape))
        start = time.perf_counter()
        block(draw())
        return draw, {"first_call_s": time.perf_counter() - start}

    return [
        Candidate("braintools.init (eager)", _eager(lambda: init(shape))),
        Candidate("braintools.init (brainstate jit)", jitted_setup),
    ]


def _floor_candidates(shape: tuple[int, ...], fill: Callable | None) -> list[Candidate]:
    candidates = []
    if fill is not None:

        def numpy_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
            rng = np.random.default_rng(0)
            out = np.empty(shape, np.float32)
            return (lambda: fill(rng, out)), {}

        candidates.append(Candidate("numpy default_rng (preallocated)", numpy_setup))

    def write_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        out = np.empty(shape, np.float32)
        return (lambda: out.fill(0.5)), {}

    candidates.append(Candidate("memory-write floor (numpy fill)", write_setup))
    candidates.append(Candidate("memory-write floor (jax jit full)", _jitted(lambda: jnp.full(shape, 0.5, jnp.float32))))
    return candidates


def family_table(family: Family, shape: tuple[int, int], settings: Settings) -> Table:
    """Time one family in every library at ``shape`` float32."""
    key = jax.random.key(0)
    candidates = [
        Candidate("braininit (jit)", _jitted(lambda k: family.braininit(k, shape, jnp.float32), key)),
        Candidate("braininit (eager)", _eager(lambda: family.braininit(key, shape, jnp.float32))),
        Candidate(REFERENCE, _jitted(lambda k: family.jax(k, shape, jnp.float32), key)),
        Candidate("jax.nn.initializers (eager)", _eager(lambda: family.jax(key, shape, jnp.float32))),
    ]
    candidates += _torch_candidates(shape, family.torch_init, "torch.nn.init (preallocated)")
    candidates += _braintools_candidates(shape, family.braintools)
    candidates += _floor_candidates(shape, family.numpy_fill)

    notes = [peers.missing_note(name) for name in ("torch", "braintools") if peers.load(name) is None]
    if family.numpy_fill is None:
        notes.append("NumPy has no truncated-normal sampler; its row is left out.")
    title = f"{family.title}, {shape[0]}x{shape[1]} float32"
    return run_table(CASE, title, REFERENCE, candidates, settings, notes)


def overhead_table(settings: Settings) -> Table:
    """Time the per-call cost of a tiny 8x8 draw, where Python-side work dominates."""
    shape = (8, 8)
    key = jax.random.key(0)
    braininit_init = bi.KaimingNormal()
    jax_init = jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")

    def repeated(call: Callable[[], Any]) -> Callable[[], Any]:
        def loop() -> Any:
            for _ in range(_OVERHEAD_CALLS):
                block(call())

        return loop

    def jitted(fn: Callable[[jax.Array], Any]) -> Callable[[], tuple[Callable[[], Any], dict[str, Any]]]:
        def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
            compiled = jax.jit(fn)
            return repeated(lambda: compiled(key)), {}

        return setup

    candidates = [
        Candidate("braininit (eager)", _eager(repeated(lambda: braininit_init(key, shape)))),
        Candidate("jax.nn.initializers (eager)", _eager(repeated(lambda: jax_init(key, shape)))),
        Candidate("braininit (jax.jit)", jitted(lambda k: braininit_init(k, shape))),
        Candidate("jax.nn.initializers (jax.jit)", jitted(lambda k: jax_init(k, shape))),
    ]
    torch = peers.load("torch")
    if torch is not None:
        tensor = torch.empty(shape, device=peers.torch_device())
        candidates.append(
            Candidate("torch.nn.init (preallocated)", _eager(repeated(lambda: torch.nn.init.kaiming_normal_(tensor))))
        )
    braintools = peers.load("braintools")
    if braintools is not None:
        braintools_init = braintools.init.KaimingNormal()
        candidates.append(Candidate("braintools.init (eager)", _eager(repeated(lambda: braintools_init(shape)))))

    title = f"Call overhead: KaimingNormal 8x8, per call (median of samples of {_OVERHEAD_CALLS} calls)"
    table = run_table(CASE, title, "jax.nn.initializers (eager)", candidates, settings)
    for row in table.rows:
        row.samples = [sample / _OVERHEAD_CALLS for sample in row.samples]
        if row.value is not None:
            row.value /= _OVERHEAD_CALLS
        if "cpu_s" in row.extra:
            row.extra["cpu_s"] /= _OVERHEAD_CALLS
    return table


def _box_muller(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Draw standard normals by Box-Muller: half the transcendental calls of the inverse CDF."""
    count = math.prod(shape)
    half = (count + 1) // 2
    tiny = np.finfo(np.float32).tiny
    u1, u2 = jax.random.uniform(key, (2, half), jnp.float32, minval=tiny, maxval=1.0)
    radius = jnp.sqrt(-2.0 * jnp.log(u1))
    angle = 2.0 * np.pi * u2
    values = jnp.concatenate([radius * jnp.cos(angle), radius * jnp.sin(angle)])
    return values[:count].reshape(shape)


@contextlib.contextmanager
def unrolled_threefry() -> Iterator[None]:
    """Compile threefry2x32 with its unrolled lowering on the CPU, inside this block only.

    jaxlib lowers threefry on the CPU to a loop of five rounds over whole
    arrays, which keeps two counter arrays alive between rounds; the unrolled
    lowering (the one JAX uses on GPUs without its custom kernel) is one fused
    loop over the elements. Both compute the same hash, so the bits are equal.
    JAX's lowering caches are cleared on entry and exit so that the switch
    reaches the compiler and does not leak into other rows.

    Raises:
      ImportError: if this JAX version does not have the private lowering rules.
    """
    from jax._src.interpreters import mlir
    from jax._src.random import threefry2x32

    rolled = threefry2x32._threefry2x32_cpu_lowering_rule
    unrolled = threefry2x32._threefry2x32_lowering_rule
    jax.clear_caches()
    mlir.register_lowering(threefry2x32.threefry2x32_p, unrolled, platform="cpu")
    try:
        yield
    finally:
        mlir.register_lowering(threefry2x32.threefry2x32_p, rolled, platform="cpu")
        jax.clear_caches()


def _in_context(context: Callable[[], Any], fn: Callable[..., Any], *args: Any) -> Callable[[], tuple]:
    def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        with context():
            compiled, stages = compile_stages(fn, *args)
        return (lambda: compiled(*args)), stages

    return setup


def _same_as(expected: Callable[[], Any]) -> Callable[[Any], dict[str, Any]]:
    """Return a check that reports whether an output equals ``expected()`` bit for bit."""

    def check(output: Any) -> dict[str, Any]:
        reference = np.asarray(expected())
        same = np.array_equal(np.asarray(output).view(np.uint8), reference.view(np.uint8))
        return {"same_bits_as_default": "yes" if same else "no"}

    return check


def rng_options_table(shape: tuple[int, int], settings: Settings) -> Table:
    """Time a standard-normal draw under each key implementation, lowering and sampling method."""
    threefry = jax.random.key(0)
    rbg = jax.random.key(0, impl="rbg")
    unsafe_rbg = jax.random.key(0, impl="unsafe_rbg")
    kaiming = bi.KaimingNormal()

    def normal(k: jax.Array) -> jax.Array:
        return jax.random.normal(k, shape, jnp.float32)

    def bits(k: jax.Array) -> jax.Array:
        return jax.random.bits(k, shape, jnp.uint32)

    default_normal = jax.jit(normal)
    default_kaiming = jax.jit(lambda k: kaiming(k, shape))
    candidates = [
        Candidate("threefry2x32, partitionable (jax default)", _jitted(normal, threefry)),
        Candidate(
            "threefry2x32, not partitionable",
            _in_context(lambda: jax.threefry_partitionable(False), normal, threefry),
        ),
        Candidate("rbg key", _jitted(normal, rbg)),
        Candidate("unsafe_rbg key", _jitted(normal, unsafe_rbg)),
        Candidate("braininit KaimingNormal, unsafe_rbg key", _jitted(lambda k: kaiming(k, shape), unsafe_rbg)),
        Candidate("Box-Muller on threefry2x32", _jitted(lambda k: _box_muller(k, shape), threefry)),
        Candidate("random bits only, threefry2x32", _jitted(bits, threefry)),
        Candidate("random bits only, unsafe_rbg", _jitted(bits, unsafe_rbg)),
    ]
    notes = []
    if jax.default_backend() == "cpu":
        candidates += [
            Candidate(
                "threefry2x32, unrolled CPU lowering",
                _in_context(unrolled_threefry, normal, threefry),
                _same_as(lambda: default_normal(threefry)),
            ),
            Candidate(
                "braininit KaimingNormal, unrolled CPU lowering",
                _in_context(unrolled_threefry, lambda k: kaiming(k, shape), threefry),
                _same_as(lambda: default_kaiming(threefry)),
            ),
            Candidate("random bits only, unrolled CPU lowering", _in_context(unrolled_threefry, bits, threefry)),
        ]
        notes.append(
            "The unrolled-lowering rows swap a private JAX lowering rule for their compilation only; "
            "'same bits as default' compares their output with the default threefry lowering."
        )

    torch = peers.load("torch")
    reference = "torch normal_ (preallocated)" if torch is not None else "threefry2x32, partitionable (jax default)"
    if torch is not None:

        def torch_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
            tensor = torch.empty(shape, device=peers.torch_device())
            return (lambda: tensor.normal_()), {}

        candidates.append(Candidate(reference, torch_setup))
    else:
        notes.append(peers.missing_note("torch"))

    def numpy_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        rng = np.random.default_rng(0)
        out = np.empty(shape, np.float32)
        return (lambda: rng.standard_normal(dtype=np.float32, out=out)), {}

    candidates.append(Candidate("numpy standard_normal (preallocated)", numpy_setup))
    notes.append(
        "All jax rows are jitted. Each key implementation gives reproducible values for a seed, "
        "but rbg, unsafe_rbg and Box-Muller give different values from the default."
    )
    title = f"Standard normal {shape[0]}x{shape[1]} float32: key implementations, lowerings and sampling methods"
    return run_table(CASE, title, reference, candidates, settings, notes)


def run(settings: Settings) -> Iterator[Table]:
    """Run the dense case: one table per family, then call overhead and RNG options.

    ``--quick`` runs the first family only; the other two take the same code path.
    """
    shape = (64, 64) if settings.quick else (4096, 4096)
    chosen = families(shape)[:1] if settings.quick else families(shape)
    for family in chosen:
        yield family_table(family, shape, settings)
    yield overhead_table(settings)
    yield rng_options_table(shape, settings)
