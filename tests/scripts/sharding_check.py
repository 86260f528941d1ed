"""Run with 8 forced host devices: every initializer honours out_sharding, eagerly and under jit."""

import jax
import numpy as np
from jax.sharding import AxisType, NamedSharding, PartitionSpec

import braininit as bi

INITIALIZERS = [
    bi.Zeros(), bi.Constant(0.5), bi.Normal(0.0, 2.0), bi.Uniform(), bi.TruncatedNormal(0.0, 1.0, 5.0, 6.0),
    bi.KaimingNormal(), bi.XavierUniform(), bi.LecunNormal(), bi.VarianceScaling(), bi.he_normal(),
    bi.Orthogonal(), bi.Identity(), bi.DeltaOrthogonal(), bi.Dirac(),
]


def main():
    assert jax.device_count() == 8, jax.devices()
    key = jax.random.key(0)
    for axis_type in (AxisType.Auto, AxisType.Explicit):
        mesh = jax.make_mesh((4, 2), ("x", "y"), axis_types=(axis_type, axis_type))
        check_mesh(mesh, key)

    explicit = jax.make_mesh((4, 2), ("x", "y"), axis_types=(AxisType.Explicit, AxisType.Explicit))
    with jax.set_mesh(explicit):
        result = jax.jit(lambda k: bi.Orthogonal()(k, (16, 8), out_sharding=PartitionSpec("x", None)))(key)
    assert result.sharding.spec == PartitionSpec("x", None), result.sharding
    print("sharding ok")


def check_mesh(mesh, key):
    for init in INITIALIZERS:
        shape = (3, 3, 8, 8) if type(init).__name__ in ("DeltaOrthogonal", "Dirac") else (16, 8)
        spec = PartitionSpec(None, None, "x", "y") if len(shape) == 4 else PartitionSpec("x", "y")
        sharding = NamedSharding(mesh, spec)
        reference = np.asarray(init(key, shape))

        eager = init(key, shape, out_sharding=sharding)
        jitted = jax.jit(lambda k, init=init, shape=shape, sharding=sharding: init(k, shape, out_sharding=sharding))(key)
        for result in (eager, jitted):
            assert result.sharding.is_equivalent_to(sharding, len(shape)), (init, result.sharding)
            np.testing.assert_array_equal(np.asarray(result), reference)


if __name__ == "__main__":
    main()
