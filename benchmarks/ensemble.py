"""Ensembles: many independent small KaimingNormal matrices, one key each.

``jax.vmap`` over a batch of keys is the JAX way to draw an ensemble. It is
compared with one draw of the same total size (the reference: the same
number of random values, no per-member keys), a Python loop over keys and a
PyTorch loop. Two more rows vmap with another key setting, to show what the
per-member key derivation costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import braininit as bi
from benchmarks import peers
from benchmarks.harness import Candidate, Settings, Table, compile_stages, run_table

__all__ = ["run"]

CASE = "ensemble"
REFERENCE = "braininit one call of the total size (jit)"


def _jitted(fn: Callable[..., Any], *args: Any, config: Callable[[], Any] | None = None) -> Callable:
    def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        if config is None:
            compiled, stages = compile_stages(fn, *args)
        else:
            with config():
                compiled, stages = compile_stages(fn, *args)
        return (lambda: compiled(*args)), {"compile_s": stages["compile_s"]}

    return setup


def run(settings: Settings) -> Iterator[Table]:
    """Run the ensemble case and return its one table."""
    members, size = (8, 16) if settings.quick else (1000, 128)
    shape = (size, size)
    key = jax.random.key(0)
    keys = jax.random.split(key, members)
    init = bi.KaimingNormal()
    # batch_axis=0 keeps the fans of one member, so the single call draws the same distribution.
    batched_init = bi.KaimingNormal(batch_axis=0)
    jax_init = jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")

    def member(k: jax.Array) -> jax.Array:
        return init(k, shape, jnp.float32)

    def loop_setup(call: Callable[[jax.Array], Any]) -> Callable:
        def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
            key_list = list(keys)

            def loop() -> list[Any]:
                return [call(k) for k in key_list]

            return loop, {}

        return setup

    jitted_member = jax.jit(member)
    unsafe_keys = jax.random.split(jax.random.key(0, impl="unsafe_rbg"), members)
    candidates = [
        Candidate(REFERENCE, _jitted(lambda k: batched_init(k, (members, *shape), jnp.float32), key)),
        Candidate("braininit jax.vmap over keys (jit)", _jitted(jax.vmap(member), keys)),
        Candidate("jax.nn.initializers jax.vmap over keys (jit)", _jitted(jax.vmap(lambda k: jax_init(k, shape)), keys)),
        Candidate(
            "braininit jax.vmap, threefry not partitionable (jit)",
            _jitted(jax.vmap(member), keys, config=lambda: jax.threefry_partitionable(False)),
        ),
        Candidate("braininit jax.vmap over unsafe_rbg keys (jit)", _jitted(jax.vmap(member), unsafe_keys)),
        Candidate("braininit Python loop of jitted calls", loop_setup(jitted_member)),
        Candidate("braininit Python loop of eager calls", loop_setup(member)),
    ]

    notes = []
    torch = peers.load("torch")
    if torch is not None:

        def torch_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
            weights = torch.empty((members, *shape), device=peers.torch_device())

            def loop() -> Any:
                for weight in weights:
                    torch.nn.init.kaiming_normal_(weight, nonlinearity="relu")
                return weights

            return loop, {}

        candidates.append(Candidate("torch loop (preallocated)", torch_setup))
    else:
        notes.append(peers.missing_note("torch"))

    def numpy_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        rng = np.random.default_rng(0)
        out = np.empty((members, *shape), np.float32)
        std = np.float32(np.sqrt(2.0 / size))

        def draw() -> np.ndarray:
            rng.standard_normal(dtype=np.float32, out=out)
            return np.multiply(out, std, out=out)

        return draw, {}

    candidates.append(Candidate("numpy one call (preallocated)", numpy_setup))
    notes.append(
        "The vmap rows give every member its own key, as an ensemble needs; the reference draws the same "
        "number of values from one key."
    )
    title = f"Ensemble of {members} KaimingNormal {size}x{size} float32 matrices"
    yield run_table(CASE, title, REFERENCE, candidates, settings, notes)
