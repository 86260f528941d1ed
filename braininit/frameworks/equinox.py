"""Re-initialize the arrays of an Equinox model with braininit initializers.

Equinox layers draw their own weights when they are built, so braininit
initializers are applied afterwards: :func:`reinit` redraws chosen fields of
chosen layer types and returns the new model, through ``eqx.tree_at``::

    import equinox as eqx, braininit as bi
    from braininit.frameworks.equinox import reinit

    model = eqx.nn.MLP(64, 10, 256, depth=20, key=key)
    model = reinit(model, key, {eqx.nn.Linear: {"weight": bi.KaimingNormal(), "bias": bi.Zeros()}})

Equinox stores weights channels first: Linear ``(out, in)``, Conv
``(out, in, *spatial)``, and the GRU and LSTM cells ``(gates * hidden, in)``.
braininit's default layout is JAX's, ``(in, out)`` and ``(*spatial, in, out)``,
so :func:`reinit` hands each initializer the JAX-layout transpose of such a
weight and transposes the result back. Fans and orthogonality therefore come
out as they would for the same layer in Flax. equinox is imported only when
:func:`reinit` is called.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import jax
import jax.numpy as jnp

from braininit.tree import Param, init_tree, path_string
from braininit.units import is_quantity

__all__ = ["reinit"]

Model = TypeVar("Model")

# Modes in which _EquinoxView passes a stored array's shape to the initializer.
_TRANSPOSE = "transpose"  # a channels-first weight, drawn in JAX's layout
_VECTOR = "vector"  # a bias, drawn without its trailing size-1 axes
_DIRECT = "direct"  # drawn in its stored shape


@dataclasses.dataclass(frozen=True)
class _EquinoxView:
    """Draw an array in Equinox's stored shape from an initializer given another view of that shape."""

    initializer: Callable[..., Any]
    view: str

    def __call__(self, key: jax.Array, shape: tuple[int, ...], dtype: Any = None) -> jax.Array:
        if self.view == _TRANSPOSE:
            values = self.initializer(key, shape[2:] + (shape[1], shape[0]), dtype)
        elif self.view == _VECTOR:
            values = self.initializer(key, _strip_trailing_ones(shape), dtype)
        else:
            values = self.initializer(key, shape, dtype)

        if is_quantity(values):
            raise TypeError(
                f"reinit: {self.initializer!r} returned values in {values.unit}, but Equinox models hold "
                "plain arrays; give the initializer unitless parameters."
            )
        if self.view == _TRANSPOSE:
            spatial = tuple(range(len(shape) - 2))
            return jnp.transpose(values, (len(shape) - 1, len(shape) - 2) + spatial)
        return jnp.reshape(values, shape)


def _strip_trailing_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Return ``shape`` without its trailing size-1 axes, keeping at least one axis."""
    end = len(shape)
    while end > 1 and shape[end - 1] == 1:
        end -= 1
    return shape[:end]


def _choose_view(name: str, array: Any, initializer: Any) -> str:
    if name.startswith("bias"):
        return _VECTOR
    if array.ndim >= 2 and getattr(initializer, "layout", "jax") == "jax":
        return _TRANSPOSE
    return _DIRECT


def _find_modules(model: Any, types: tuple[type, ...]) -> list[tuple[tuple[Any, ...], Any]]:
    """Return ``(path, module)`` for every node of ``model`` that is an instance of ``types``, nested ones included."""
    found = [((), model)] if isinstance(model, types) else []

    def visit(node: Any, prefix: tuple[Any, ...]) -> None:
        children, _ = jax.tree_util.tree_flatten_with_path(
            node, is_leaf=lambda x: x is not node and isinstance(x, types)
        )
        for path, child in children:
            if isinstance(child, types):
                found.append((prefix + tuple(path), child))
                visit(child, prefix + tuple(path))

    visit(model, ())
    return found


def _rule_for(module: Any, rules: Mapping[type, Mapping[str, Any]]) -> Mapping[str, Any]:
    """Return the rule of the most specific type in ``rules`` that ``module`` is an instance of."""
    for cls in type(module).__mro__:
        if cls in rules:
            return rules[cls]
    raise AssertionError(f"no rule matches {type(module).__name__}")


def _node_at(tree: Any, path: tuple[Any, ...]) -> Any:
    """Follow a key path from ``jax.tree_util.tree_flatten_with_path`` down ``tree``."""
    node = tree
    for entry in path:
        if isinstance(entry, jax.tree_util.GetAttrKey):
            node = getattr(node, entry.name)
        elif isinstance(entry, jax.tree_util.SequenceKey):
            node = node[entry.idx]
        elif isinstance(entry, jax.tree_util.DictKey):
            node = node[entry.key]
        else:
            raise TypeError(f"reinit: cannot follow the path entry {entry!r} of type {type(entry).__name__}.")
    return node


def _check_rules(rules: Any) -> None:
    if not isinstance(rules, Mapping):
        raise TypeError(
            f"reinit: rules must map layer types to {{field: initializer}} dicts, got {rules!r}; "
            "e.g. {eqx.nn.Linear: {'weight': bi.KaimingNormal()}}."
        )
    for cls, fields in rules.items():
        if not isinstance(cls, type):
            raise TypeError(f"reinit: the keys of rules must be layer types such as eqx.nn.Linear, got {cls!r}.")
        if not isinstance(fields, Mapping):
            raise TypeError(
                f"reinit: the rule for {cls.__name__} must map field names to initializers, got {fields!r}."
            )
        for name, initializer in fields.items():
            if not callable(initializer):
                raise TypeError(
                    f"reinit: the initializer for {cls.__name__}.{name} must be callable, got {initializer!r}."
                )
            try:
                hash(initializer)
            except TypeError:
                raise TypeError(
                    f"reinit: the initializer for {cls.__name__}.{name} is not hashable, got {initializer!r}; "
                    "arrays are grouped by initializer, so use a braininit initializer or a function."
                ) from None


def reinit(model: Model, key: jax.Array, rules: Mapping[type, Mapping[str, Callable[..., Any]]]) -> Model:
    """Return ``model`` with chosen arrays redrawn by braininit initializers.

    Every node of ``model`` that is an instance of a type in ``rules`` (the
    most specific type in its MRO, when several match) has each named field
    redrawn in its shape and dtype. A field that is None, such as the bias of
    ``eqx.nn.Linear(..., use_bias=False)``, is skipped.

    How an initializer sees a field:

    - A field whose name starts with ``bias`` is a vector of output units:
      its trailing size-1 axes are dropped, so the ``(out, 1, 1)`` bias of
      ``eqx.nn.Conv2d`` is drawn as ``(out,)``.
    - Any other field of rank 2 or more is a channels-first weight
      ``(out, in, *spatial)``. The initializer draws its JAX-layout transpose
      ``(*spatial, in, out)``, unless it was built with
      ``layout="channels_first"``, in which case it draws the stored shape.
    - Other fields are drawn in their stored shape.

    The key of each array is :func:`braininit.tree.path_key` of ``key`` and
    the array's path in ``model`` (such as ``.layers[3].weight``), so an
    array's values do not depend on which other arrays are redrawn. Arrays
    that share a type, field, initializer, shape and dtype are drawn in one
    loop (see :func:`braininit.init_tree`). The function is pure and works
    under ``eqx.filter_jit``.

    Args:
      model: an Equinox module, or any pytree containing them.
      key: a PRNG key.
      rules: a mapping from layer type to ``{field name: initializer}``.
        Initializers are braininit initializers or any hashable
        ``init(key, shape, dtype)`` callable.

    Returns:
      A new model of the same structure; ``model`` is unchanged.

    Raises:
      TypeError: if ``rules`` is malformed, a named field is not an array, or
        an initializer returns a Quantity.
      ValueError: if a matched layer has no field of a given name.

    Example:
      >>> import jax, equinox as eqx, braininit as bi
      >>> model = eqx.nn.MLP(4, 2, 8, depth=2, key=jax.random.key(0))
      >>> rules = {eqx.nn.Linear: {"weight": bi.Orthogonal(), "bias": bi.Zeros()}}
      >>> model = reinit(model, jax.random.key(1), rules)
      >>> w = model.layers[1].weight
      >>> bool(jax.numpy.allclose(w @ w.T, jax.numpy.eye(8), atol=1e-5)), float(abs(model.layers[1].bias).max())
      (True, 0.0)
    """
    import equinox as eqx

    _check_rules(rules)
    if not rules:
        return model

    targets: list[tuple[tuple[Any, ...], Param]] = []
    for path, module in _find_modules(model, tuple(rules)):
        for name, initializer in _rule_for(module, rules).items():
            where = path_string(path) or "the model root"
            if not hasattr(module, name):
                raise ValueError(
                    f"reinit: the {type(module).__name__} at {where} has no field {name!r}; "
                    "name one of its array fields, such as 'weight' or 'bias'."
                )
            array = getattr(module, name)
            if array is None:
                continue
            if not eqx.is_array(array):
                raise TypeError(
                    f"reinit: {type(module).__name__}.{name} at {where} is {type(array).__name__}, not an array; "
                    "rules can only redraw array fields."
                )
            view = _EquinoxView(initializer, _choose_view(name, array, initializer))
            targets.append((path + (jax.tree_util.GetAttrKey(name),), Param(view, array.shape, array.dtype)))

    if not targets:
        return model

    spec = eqx.tree_at(
        lambda tree: [_node_at(tree, path) for path, _ in targets],
        model,
        replace=[param for _, param in targets],
    )
    return init_tree(key, spec)
