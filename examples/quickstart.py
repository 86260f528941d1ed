"""A first tour of braininit: layouts, jit and vmap, half precision and units.

Run with ``python examples/quickstart.py``.
"""

import brainunit as u
import jax
import jax.numpy as jnp

import braininit as bi


def main():
    key = jax.random.key(0)

    kernel = bi.KaimingNormal()(key, (100, 100))
    print(f"KaimingNormal 100x100: std {float(kernel.std()):.4f} (formula sqrt(2/100) = 0.1414)")

    torch_conv = bi.KaimingNormal(layout="channels_first")
    print(f"Conv (32, 16, 3, 3) channels first: fans {bi.compute_fans((32, 16, 3, 3), layout='channels_first')}, "
          f"variance {torch_conv.variance((32, 16, 3, 3)):.5f} = 2/144")

    ensemble = jax.jit(jax.vmap(bi.XavierUniform(), in_axes=(0, None)), static_argnums=1)(jax.random.split(key, 8), (64, 64))
    print(f"8 jitted, vmapped XavierUniform kernels: {ensemble.shape}")

    recurrent = bi.Orthogonal()(key, (256, 256), jnp.bfloat16)
    gram = recurrent.astype(jnp.float32).T @ recurrent.astype(jnp.float32)
    print(f"bfloat16 Orthogonal: max |W^T W - I| = {float(jnp.abs(gram - jnp.eye(256)).max()):.3f}")

    potentials = bi.Uniform(-60 * u.mV, -50 * u.mV)(key, (4000,))
    conductances = bi.TruncatedNormal(0.6 * u.nS, 0.1 * u.nS, low=0 * u.nS, high=1.2 * u.nS)(key, (4000,))
    print(f"membrane potentials in {potentials.unit}, mean {float(potentials.mantissa.mean()):.2f}")
    print(f"conductances in {conductances.unit}, min {float(conductances.mantissa.min()):.3f}")


if __name__ == "__main__":
    main()
