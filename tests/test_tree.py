"""Tree initialization: Param records, keys by path, batched draws, jit, vmap and shardings."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from typing import Any

import brainunit as u
import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import braininit as bi
from braininit import tree
from braininit.tree import Param, init_tree, path_key, path_string

KEY = jax.random.key(0)

# One initializer of each kind a spec may hold: fan-based, orthogonal,
# key-independent, JAX's own closures and unit-bearing ones.
INITIALIZERS = {
    "kaiming_normal": bi.KaimingNormal(),
    "orthogonal": bi.Orthogonal(),
    "zeros": bi.Zeros(),
    "jax_he_normal": jax.nn.initializers.he_normal(),
    "normal_mv": bi.Normal(-65.0 * u.mV, 5.0 * u.mV),
}


def mlp_spec(depth: int, width: int = 8, weight_init=None) -> dict:
    weight_init = weight_init or bi.KaimingNormal()
    return {
        f"layer{i}": {"w": Param(weight_init, (width, width)), "b": Param(bi.Zeros(), (width,))}
        for i in range(depth)
    }


def mixed_spec() -> dict:
    spec = {name: [Param(init, (6, 4)) for _ in range(2)] for name, init in INITIALIZERS.items()}
    spec["half"] = [Param(bi.KaimingNormal(), (5, 3), jnp.bfloat16, unit=u.nS) for _ in range(2)]
    return spec


@pytest.fixture(scope="module")
def leaf_by_leaf():
    """The eager leaf-by-leaf values of ``mixed_spec()``, the reference for the other paths."""
    return init_tree(KEY, mixed_spec(), batch=False)


def assert_trees_equal(actual, expected):
    actual_leaves, actual_def = jax.tree.flatten(actual, is_leaf=u.math.is_quantity)
    expected_leaves, expected_def = jax.tree.flatten(expected, is_leaf=u.math.is_quantity)
    assert actual_def == expected_def
    for a, e in zip(actual_leaves, expected_leaves):
        assert type(a) is type(e)
        if u.math.is_quantity(e):
            assert a.unit == e.unit
        np.testing.assert_array_equal(np.asarray(u.get_mantissa(a)), np.asarray(u.get_mantissa(e)))


def test_param_is_hashable_leaf():
    param = Param(bi.KaimingNormal(), (3, 4), jnp.float32)

    assert jax.tree.leaves({"w": param}) == [param]
    assert hash(param) == hash(Param(bi.KaimingNormal(), [3, 4], "float32"))
    assert param == Param(bi.KaimingNormal(), (3, 4), np.float32)


def test_param_canonicalizes_shape_and_dtype():
    param = Param(bi.Zeros(), np.int64(5), "bfloat16")

    assert param.shape == (5,)
    assert param.dtype == jnp.bfloat16


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"initializer": 3, "shape": (2,)}, TypeError, "callable"),
        ({"initializer": bi.Zeros(), "shape": (2.5,)}, TypeError, "shape"),
        ({"initializer": bi.Zeros(), "shape": (2,), "dtype": "no_such_dtype"}, TypeError, "not a dtype"),
        ({"initializer": jax.nn.initializers.zeros, "shape": (2,), "unit": u.mV}, TypeError, "with_unit"),
    ],
    ids=["not_callable", "float_dim", "bad_dtype", "unit_on_jax_init"],
)
def test_param_rejects(kwargs, error, match):
    with pytest.raises(error, match=match):
        Param(**kwargs)


def test_param_rejects_unhashable_initializer():
    class Unhashable:
        __hash__ = None

        def __call__(self, key, shape, dtype=None):
            return jnp.zeros(shape, dtype)

    with pytest.raises(TypeError, match="not hashable"):
        Param(Unhashable(), (2,))


def test_init_tree_shapes_and_dtypes():
    spec = {"w": Param(bi.KaimingNormal(), (6, 4)), "h": Param(bi.XavierNormal(), (3, 2), jnp.bfloat16)}

    params = init_tree(KEY, spec)

    chex.assert_shape(params["w"], (6, 4))
    chex.assert_type(params["w"], jnp.float32)
    chex.assert_type(params["h"], jnp.bfloat16)


def test_init_tree_keeps_other_leaves():
    marker = np.arange(3)
    spec = {"w": Param(bi.Ones(), (2,)), "fixed": marker, "name": "layer", "empty": None}

    params = init_tree(KEY, spec)

    assert params["fixed"] is marker
    assert params["name"] == "layer"
    assert params["empty"] is None


def test_init_tree_units():
    spec = {"v": Param(bi.Normal(-65.0 * u.mV, 5.0 * u.mV), (100,)), "g": Param(bi.KaimingNormal(), (4, 4), unit=u.nS)}

    params = init_tree(KEY, spec)

    assert params["v"].unit == u.mV
    assert params["g"].unit == u.nS


def test_leaves_with_same_param_differ():
    params = init_tree(KEY, mlp_spec(3))

    assert not np.array_equal(params["layer0"]["w"], params["layer1"]["w"])
    assert not np.array_equal(params["layer1"]["w"], params["layer2"]["w"])


def test_leaf_unchanged_when_leaf_added():
    spec = mlp_spec(3)
    before = init_tree(KEY, spec)

    grown = dict(spec, extra=Param(bi.KaimingNormal(), (8, 8)), head={"w": Param(bi.Normal(), (8, 2))})
    after = init_tree(KEY, grown)

    for name in spec:
        assert_trees_equal(after[name], before[name])


def test_leaf_unchanged_when_leaf_removed():
    spec = mlp_spec(4)
    before = init_tree(KEY, spec)

    del spec["layer2"]
    spec["layer1"] = {"w": spec["layer1"]["w"]}
    after = init_tree(KEY, spec)

    assert_trees_equal(after["layer0"], before["layer0"])
    assert_trees_equal(after["layer3"], before["layer3"])
    assert_trees_equal(after["layer1"]["w"], before["layer1"]["w"])


def test_leaf_unchanged_when_leaves_reordered():
    spec = mlp_spec(3)
    reordered = {name: {"b": spec[name]["b"], "w": spec[name]["w"]} for name in reversed(list(spec))}

    assert_trees_equal(init_tree(KEY, reordered), init_tree(KEY, spec))


def test_leaf_unchanged_when_other_initializer_changes():
    spec = mlp_spec(2)
    before = init_tree(KEY, spec)

    spec["layer1"]["w"] = Param(bi.Orthogonal(), (8, 8))
    after = init_tree(KEY, spec)

    assert_trees_equal(after["layer0"], before["layer0"])


def test_leaf_value_is_draw_with_path_key():
    spec = {"encoder": [{"w": Param(bi.KaimingNormal(), (5, 3))}]}
    [(path, param)] = jax.tree_util.tree_flatten_with_path(spec)[0]

    params = init_tree(KEY, spec)

    np.testing.assert_array_equal(params["encoder"][0]["w"], param.draw(path_key(KEY, path)))


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Layer:
    w: Any


def test_path_string_matches_keystr():
    spec = {"a": [1, (2, {"b": 3}, {7: 8})], "c": Layer(w=4)}

    for path, _ in jax.tree_util.tree_flatten_with_path(spec)[0]:
        assert path_string(path) == jax.tree_util.keystr(path)


def test_batched_equals_leaf_by_leaf_eager(leaf_by_leaf):
    assert_trees_equal(init_tree(KEY, mixed_spec()), leaf_by_leaf)


def test_jit_batched_equals_eager(leaf_by_leaf):
    spec = mixed_spec()

    assert_trees_equal(jax.jit(lambda key: init_tree(key, spec))(KEY), leaf_by_leaf)


def test_vmap_over_root_keys_equals_eager(leaf_by_leaf):
    spec = mixed_spec()
    keys = jnp.stack([KEY, jax.random.key(1)])

    ensemble = jax.jit(jax.vmap(lambda key: init_tree(key, spec)))(keys)

    assert_trees_equal(jax.tree.map(lambda values: values[0], ensemble), leaf_by_leaf)
    assert_trees_equal(jax.tree.map(lambda values: values[1], ensemble), init_tree(keys[1], spec))


def test_raw_uint32_key():
    raw = jax.random.PRNGKey(3)
    spec = mlp_spec(2)

    assert_trees_equal(init_tree(raw, spec), init_tree(raw, spec, batch=False))


def test_batch_key_rejected():
    with pytest.raises(TypeError, match="init_tree.*batch of keys"):
        init_tree(jax.random.split(KEY, 2), mlp_spec(1))


def test_colliding_paths_rejected(monkeypatch):
    monkeypatch.setattr(tree, "_path_hash", lambda path: (1, 2))

    with pytest.raises(ValueError, match=r"\['a'\] and \['b'\].*same key"):
        init_tree(KEY, {"a": Param(bi.Zeros(), (1,)), "b": Param(bi.Zeros(), (1,))})


def run_python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter and return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_leaf_keys_independent_of_hash_seed():
    path = (jax.tree_util.DictKey("layers"), jax.tree_util.SequenceKey(3), jax.tree_util.GetAttrKey("w"))
    code = """
        import jax
        from braininit.tree import path_key
        path = (jax.tree_util.DictKey("layers"), jax.tree_util.SequenceKey(3), jax.tree_util.GetAttrKey("w"))
        print(jax.random.key_data(path_key(jax.random.key(0), path)).tolist())
    """

    # This process runs with another (random) string hash seed than the child.
    expected = jax.random.key_data(path_key(KEY, path)).tolist()
    assert run_python(code, PYTHONHASHSEED="12345") == str(expected)


def test_jit_out_shardings():
    code = """
        import jax, numpy as np
        import braininit as bi
        from jax.sharding import NamedSharding, PartitionSpec as P

        mesh = jax.make_mesh((4,), ("model",))
        spec = {f"layer{i}": {"w": bi.Param(bi.KaimingNormal(), (8, 16)), "b": bi.Param(bi.Zeros(), (16,))}
                for i in range(3)}
        shardings = {name: {"w": NamedSharding(mesh, P(None, "model")), "b": NamedSharding(mesh, P("model"))}
                     for name in spec}
        params = jax.jit(lambda key: bi.init_tree(key, spec), out_shardings=shardings)(jax.random.key(0))
        expected = bi.init_tree(jax.random.key(0), spec, batch=False)
        for name in spec:
            assert params[name]["w"].sharding == shardings[name]["w"]
            assert len(params[name]["w"].addressable_shards) == 4
            np.testing.assert_array_equal(params[name]["w"], expected[name]["w"])
            np.testing.assert_array_equal(params[name]["b"], expected[name]["b"])
        print("ok")
    """

    assert run_python(code, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu") == "ok"
