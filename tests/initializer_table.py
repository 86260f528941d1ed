"""A table of core initializers with the shapes and dtypes each accepts, shared by the contract tests."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp

import braininit as bi


@dataclasses.dataclass(frozen=True)
class Record:
    name: str
    initializer: bi.Initializer
    shape: tuple[int, ...]
    complex_ok: bool = False
    random: bool = True


REAL = (jnp.float32, jnp.float16, jnp.bfloat16)
COMPLEX = (jnp.complex64,)

RECORDS = (
    Record("zeros", bi.Zeros(), (3, 4), complex_ok=True, random=False),
    Record("ones", bi.Ones(), (3, 4), complex_ok=True, random=False),
    Record("constant", bi.Constant(0.5), (3, 4), complex_ok=True, random=False),
    Record("normal", bi.Normal(0.1, 2.0), (3, 4), complex_ok=True),
    Record("uniform", bi.Uniform(-1.0, 3.0), (3, 4)),
    Record("truncated_normal", bi.TruncatedNormal(0.0, 1.0, -1.0, 2.0), (3, 4)),
    Record("truncated_normal_tail", bi.TruncatedNormal(0.0, 1.0, 5.0, 6.0), (3, 4)),
    Record("variance_scaling", bi.VarianceScaling(2.0, "fan_avg", "truncated_normal"), (3, 3, 4, 5), complex_ok=True),
    Record("kaiming_normal", bi.KaimingNormal(), (6, 5), complex_ok=True),
    Record("kaiming_uniform", bi.KaimingUniform(nonlinearity="leaky_relu", negative_slope=0.2), (6, 5), complex_ok=True),
    Record("xavier_normal", bi.XavierNormal(), (6, 5), complex_ok=True),
    Record("xavier_uniform", bi.XavierUniform(), (6, 5), complex_ok=True),
    Record("lecun_normal", bi.LecunNormal(), (6, 5), complex_ok=True),
    Record("lecun_uniform", bi.LecunUniform(), (6, 5), complex_ok=True),
    Record("channels_first", bi.KaimingNormal(layout="channels_first"), (8, 4, 3, 3), complex_ok=True),
    Record("orthogonal", bi.Orthogonal(), (6, 4), complex_ok=True),
    Record("orthogonal_wide", bi.Orthogonal(2.0), (3, 5, 7), complex_ok=True),
    Record("delta_orthogonal", bi.DeltaOrthogonal(), (3, 3, 4, 6), complex_ok=True),
    Record("identity", bi.Identity(2.0), (4, 5), complex_ok=True, random=False),
    Record("dirac", bi.Dirac(), (3, 3, 4, 4), complex_ok=True, random=False),
    Record("jax_he_normal", bi.he_normal(), (6, 5), complex_ok=True),
    Record("jax_truncated_normal", bi.truncated_normal(0.02), (6, 5)),
)

IDS = [record.name for record in RECORDS]
