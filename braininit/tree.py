"""Initialization of a whole parameter tree from one key, with each leaf's key taken from its path.

A model builder describes its parameters as a pytree whose leaves are
:class:`Param` records, and :func:`init_tree` returns the same tree of arrays.
The key of the leaf at path ``p`` is::

    fold_in(fold_in(key, high), low)

where ``high`` and ``low`` are the two 32-bit halves of the 64-bit BLAKE2b
digest of the path written as ``.layers[0]['w']`` (the format of
``jax.tree_util.keystr``). The digest does not depend on the Python process,
so a leaf keeps its values when other leaves are added, removed or reordered.

Leaves with equal ``Param`` records are drawn together, in one ``lax.map``
loop over their path hashes instead of one call per leaf, which cuts the
compile time of deep models under ``jax.jit``. The values are those of the
leaf-by-leaf path, bit for bit.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from braininit.checks import canonicalize_shape, check_key
from braininit.core import Initializer
from braininit.units import check_unit

__all__ = ["Param", "init_tree", "path_key", "path_string"]


@dataclasses.dataclass(frozen=True)
class Param:
    """A parameter to create, the leaf type of the specs that :func:`init_tree` fills.

    ``Param`` is hashable and is a pytree leaf, so a spec can be a dict, a
    list, a dataclass pytree or any other pytree of ``Param`` records.

    Args:
      initializer: a braininit initializer or any hashable callable
        ``init(key, shape, dtype)``, such as a ``jax.nn.initializers`` one.
      shape: the parameter shape, an int or a sequence of ints.
      dtype: the parameter dtype; None leaves it to the initializer.
      unit: optional brainunit unit of the result; only braininit
        initializers take it.

    Raises:
      TypeError: if ``initializer`` is not callable or not hashable, ``shape``
        is malformed, ``dtype`` is not a dtype, or ``unit`` is given with an
        initializer that is not a braininit one.

    Example:
      >>> import braininit as bi
      >>> Param(bi.KaimingNormal(), (3, 4)).shape
      (3, 4)
    """

    initializer: Callable[..., Any]
    shape: tuple[int, ...]
    dtype: Any = None
    unit: Any = None

    def __post_init__(self) -> None:
        if not callable(self.initializer):
            raise TypeError(f"Param: initializer must be callable, got {self.initializer!r}.")
        try:
            hash(self.initializer)
        except TypeError:
            raise TypeError(
                f"Param: initializer {self.initializer!r} is not hashable; Param records are grouped "
                "by value, so use a hashable callable such as a braininit initializer or a function."
            ) from None

        object.__setattr__(self, "shape", canonicalize_shape(self.shape, "Param"))
        if self.dtype is not None:
            try:
                object.__setattr__(self, "dtype", np.dtype(self.dtype))
            except TypeError:
                raise TypeError(f"Param: {self.dtype!r} is not a dtype; pass e.g. jnp.float32.") from None

        check_unit(self.unit, "Param")
        if self.unit is not None and not isinstance(self.initializer, Initializer):
            raise TypeError(
                f"Param: unit={self.unit!r} needs a braininit initializer, got {self.initializer!r}; "
                "wrap it with braininit.with_unit(initializer, unit) instead."
            )

    def draw(self, key: jax.Array) -> Any:
        """Call the initializer with ``key`` and this record's shape, dtype and unit."""
        args = (key, self.shape) if self.dtype is None else (key, self.shape, self.dtype)
        if self.unit is None:
            return self.initializer(*args)
        return self.initializer(*args, unit=self.unit)


def _entry_string(entry: Any) -> str:
    if isinstance(entry, jax.tree_util.SequenceKey):
        return f"[{entry.idx}]"
    if isinstance(entry, jax.tree_util.DictKey):
        return f"[{entry.key!r}]"
    if isinstance(entry, jax.tree_util.GetAttrKey):
        return f".{entry.name}"
    if isinstance(entry, jax.tree_util.FlattenedIndexKey):
        return f"[<flat index {entry.key}>]"
    return str(entry)


def path_string(path: Sequence[Any]) -> str:
    """Write a key path as ``jax.tree_util.keystr`` does, e.g. ``.layers[0]['w']``.

    The format is fixed here rather than taken from ``keystr``, so the keys of
    :func:`init_tree` cannot change with the JAX version.

    Example:
      >>> import jax
      >>> [(path, _)] = jax.tree_util.tree_flatten_with_path({"w": [1]})[0]
      >>> path_string(path)
      "['w'][0]"
    """
    return "".join(_entry_string(entry) for entry in path)


def _path_hash(path: Sequence[Any]) -> tuple[int, int]:
    """Return the 64-bit BLAKE2b digest of the path string as two 32-bit ints."""
    digest = hashlib.blake2b(path_string(path).encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


def _fold_in_hash(key: jax.Array, hashes: jax.Array) -> jax.Array:
    return jax.random.fold_in(jax.random.fold_in(key, hashes[0]), hashes[1])


def path_key(key: jax.Array, path: Sequence[Any]) -> jax.Array:
    """Return the key that :func:`init_tree` gives the leaf at ``path``.

    Args:
      key: the root key.
      path: a key path, as returned by ``jax.tree_util.tree_flatten_with_path``.

    Returns:
      ``fold_in(fold_in(key, high), low)``, with ``high`` and ``low`` the
      halves of the 64-bit BLAKE2b digest of :func:`path_string` of ``path``.

    Example:
      >>> import jax
      >>> path = (jax.tree_util.DictKey("w"),)
      >>> path_key(jax.random.key(0), path).shape
      ()
    """
    high, low = _path_hash(path)
    return jax.random.fold_in(jax.random.fold_in(key, high), low)


def _check_distinct(paths: list[Sequence[Any]], hashes: list[tuple[int, int]]) -> None:
    """Raise if two leaves would get the same key."""
    seen: dict[tuple[int, int], Sequence[Any]] = {}
    for path, digest in zip(paths, hashes):
        if digest in seen:
            raise ValueError(
                f"init_tree: the leaves at {path_string(seen[digest])} and {path_string(path)} "
                "would get the same key, because their paths hash alike; rename one of them."
            )
        seen[digest] = path


@functools.partial(jax.jit, static_argnums=1)
def _draw_group(key: jax.Array, param: Param, hashes: jax.Array) -> list[Any]:
    """Draw the leaves that share one ``Param`` record, in one loop over their path hashes.

    ``hashes`` is a ``uint32[n, 2]`` array of the leaves' path digests. A
    ``lax.map`` loop compiles the draw once, however many leaves share it,
    and the jit caches that compilation for eager calls with the same record
    and leaf count. ``jax.vmap`` over the keys was slower on XLA:CPU (jax
    0.10.2): XLA fused the tail of the normal sampler into every per-leaf
    output slice, so it was compiled once per leaf, and the stacked
    ``(n, *shape)`` intermediates of 1024x1024 layers more than doubled the run time.
    """
    count = hashes.shape[0]
    if not getattr(param.initializer, "draws_random", True):
        # The values do not depend on the key (Zeros, Constant, Identity), so they are
        # drawn once. Each further leaf gets a copy, so every leaf can be donated alone.
        value = param.draw(key)
        return [value] + [jax.tree.map(jnp.copy, value) for _ in range(count - 1)]

    if count == 1:
        return [param.draw(_fold_in_hash(key, hashes[0]))]

    stacked = jax.lax.map(lambda row: param.draw(_fold_in_hash(key, row)), hashes)
    return [jax.tree.map(lambda values, i=i: values[i], stacked) for i in range(count)]


def init_tree(key: jax.Array, spec: Any, *, batch: bool = True) -> Any:
    """Create every :class:`Param` leaf of ``spec``, each with the key of its path.

    Other leaves are returned unchanged, so a spec may mix parameters to
    create with fixed arrays or static values. The function is pure: wrap it
    in ``jax.jit`` (with the caller's ``out_shardings``) or map it over root
    keys with ``jax.vmap`` to build an ensemble.

    Args:
      key: the root PRNG key.
      spec: a pytree whose leaves to create are ``Param`` records.
      batch: draw the leaves of equal ``Param`` records in one loop
        (default). False draws leaf by leaf; both give the same values bit
        for bit.

    Returns:
      The tree of ``spec`` with each ``Param`` replaced by its array (a
      brainunit Quantity when the initializer or the record has a unit).

    Raises:
      TypeError: if ``key`` is not a single PRNG key.
      ValueError: if two leaf paths hash to the same key.

    Example:
      >>> import jax, braininit as bi
      >>> spec = {"w": bi.Param(bi.KaimingNormal(), (64, 32)), "b": bi.Param(bi.Zeros(), (32,))}
      >>> params = jax.jit(lambda key: bi.init_tree(key, spec))(jax.random.key(0))
      >>> params["w"].shape, params["b"].shape
      ((64, 32), (32,))
    """
    key = check_key(key, "init_tree")
    leaves, treedef = jax.tree_util.tree_flatten_with_path(spec)
    values = [leaf for _, leaf in leaves]

    indices = [i for i, (_, leaf) in enumerate(leaves) if isinstance(leaf, Param)]
    paths = [leaves[i][0] for i in indices]
    hashes = [_path_hash(path) for path in paths]
    _check_distinct(paths, hashes)

    if not batch:
        for i, digest in zip(indices, hashes):
            values[i] = values[i].draw(_fold_in_hash(key, digest))
        return jax.tree_util.tree_unflatten(treedef, values)

    groups: dict[Param, list[tuple[int, tuple[int, int]]]] = defaultdict(list)
    for i, digest in zip(indices, hashes):
        groups[values[i]].append((i, digest))

    for param, members in groups.items():
        drawn = _draw_group(key, param, np.array([digest for _, digest in members], dtype=np.uint32))
        for (i, _), value in zip(members, drawn):
            values[i] = value
    return jax.tree_util.tree_unflatten(treedef, values)
