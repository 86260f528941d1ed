"""The call contract shared by every initializer, and rebuilding initializers from configs.

Every initializer is an immutable value object whose call is a pure function
of an explicit PRNG key::

    init(key, shape, dtype=None, out_sharding=None, *, unit=None)

The first four positions match ``jax.nn.initializers``, so an initializer can
be passed wherever JAX, Flax or Optax expect one. ``unit`` is keyword-only.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, ClassVar, Protocol, runtime_checkable

import jax
import jax.numpy as jnp
import numpy as np

from braininit import serialization
from braininit.checks import canonicalize_shape, check_key, resolve_dtype
from braininit.units import attach_unit, check_unit, split_unit

__all__ = ["Initializer", "InitializerLike", "from_config", "place"]

Shape = tuple[int, ...]


@runtime_checkable
class InitializerLike(Protocol):
    """Anything called as ``init(key, shape, dtype=None)``, such as ``jax.nn.initializers``."""

    def __call__(self, key: jax.Array, shape: Any, dtype: Any = None) -> Any: ...


def place(values: Any, out_sharding: Any) -> Any:
    """Give ``values`` the requested sharding, eagerly or under ``jax.jit``.

    Args:
      values: the generated array (or a pytree of arrays, such as a Quantity).
      out_sharding: None, a ``jax.sharding.Sharding`` such as ``NamedSharding``,
        or a ``PartitionSpec`` resolved against the mesh set with
        ``jax.set_mesh`` (that form needs jax 0.7.2 or newer).

    Returns:
      ``values`` with that sharding.

    Raises:
      TypeError: if ``out_sharding`` is neither a Sharding nor a PartitionSpec.
    """
    if out_sharding is None:
        return values

    if isinstance(out_sharding, jax.sharding.PartitionSpec):
        if not hasattr(jax.sharding, "reshard"):
            raise TypeError(
                f"out_sharding={out_sharding!r} is a PartitionSpec, which needs jax.sharding.reshard "
                f"(jax 0.7.2 or newer; this is jax {jax.__version__}). Pass a NamedSharding instead."
            )
        return jax.sharding.reshard(values, out_sharding)

    if not isinstance(out_sharding, jax.sharding.Sharding):
        raise TypeError(
            f"out_sharding must be a jax.sharding.Sharding or a PartitionSpec, got {out_sharding!r}."
        )

    # Under jit, device_put onto a mesh with Auto axes is dropped silently, so
    # constrain instead; with_sharding_constraint rejects Explicit axes, which need device_put.
    traced = any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(values))
    if traced and not _has_explicit_axes(out_sharding):
        return jax.lax.with_sharding_constraint(values, out_sharding)
    return jax.device_put(values, out_sharding)


def _has_explicit_axes(sharding: Any) -> bool:
    mesh = getattr(sharding, "mesh", None)
    axis_types = getattr(mesh, "axis_types", ()) or ()
    return any(getattr(axis_type, "name", str(axis_type)) == "Explicit" for axis_type in axis_types)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Initializer:
    """Base class of braininit initializers.

    Subclasses are frozen dataclasses whose fields are the configuration. They
    implement ``_generate(key, shape, dtype)``, which receives a checked key, a
    tuple shape with no zero dimension and a concrete dtype, and returns an
    array in the parameters' unit (see :mod:`braininit.units`).

    Instances are hashable and compare by value, so they can be static
    arguments of ``jax.jit``. They pickle, and ``to_config`` / ``from_config``
    round-trip them through plain data.

    Attributes:
      dtype: the default dtype of the result when the call passes none; None
        means JAX's default float dtype.
    """

    _: dataclasses.KW_ONLY
    dtype: Any = None

    # Whether values are random; fixed-value initializers accept integer dtypes.
    draws_random: ClassVar[bool] = True
    supports_complex: ClassVar[bool] = False
    # Fields whose values may carry a unit; they share one unit (see units.py).
    unit_fields: ClassVar[tuple[str, ...]] = ()
    _registry: ClassVar[dict[str, type]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            Initializer._registry[cls.__name__] = cls

    def __post_init__(self) -> None:
        if self.dtype is not None:
            object.__setattr__(self, "dtype", np.dtype(self.dtype))

        params = {name: getattr(self, name) for name in self.unit_fields}
        mantissas, param_unit = split_unit(params)
        object.__setattr__(self, "_mantissas", mantissas)
        object.__setattr__(self, "_param_unit", param_unit)

    @property
    def param_unit(self) -> Any:
        """The unit of the parameters, which is the unit of the result, or None."""
        return self._param_unit

    def __call__(
        self,
        key: jax.Array,
        shape: Any,
        dtype: Any = None,
        out_sharding: Any = None,
        *,
        unit: Any = None,
    ) -> Any:
        """Draw an array of ``shape`` from this initializer.

        Args:
          key: a PRNG key from ``jax.random.key`` or ``jax.random.PRNGKey``.
          shape: an int or a sequence of non-negative ints.
          dtype: the result dtype; None uses the initializer's ``dtype`` field,
            then JAX's default float dtype.
          out_sharding: optional ``jax.sharding.Sharding`` or ``PartitionSpec``
            of the result, as in ``jax.nn.initializers``.
          unit: optional brainunit unit; the result is then a Quantity in it.

        Returns:
          A ``jax.Array``, or a ``brainunit.Quantity`` when the parameters carry
          a unit or ``unit`` is given.

        Raises:
          TypeError: for a key that is not a PRNG key or a malformed shape.
          ValueError: for a negative dimension or a dtype this initializer
            cannot produce.
          brainunit.UnitMismatchError: if ``unit`` is incompatible with the
            parameters' unit.
        """
        owner = type(self).__name__
        key = check_key(key, owner)
        shape = canonicalize_shape(shape, owner)
        unit = check_unit(unit, owner)
        dtype = resolve_dtype(
            self.dtype if dtype is None else dtype,
            owner,
            allow_integer=not self.draws_random,
            allow_complex=self.supports_complex,
        )

        if math.prod(shape) == 0:
            values = jnp.zeros(shape, dtype)
        else:
            values = _generate_compiled(self, key, shape, dtype)

        values = place(values, out_sharding)
        return attach_unit(values, self._param_unit, unit)

    def _generate(self, key: jax.Array, shape: Shape, dtype: np.dtype) -> jax.Array:
        raise NotImplementedError(f"{type(self).__name__} does not implement _generate.")

    def _fields(self) -> dict[str, Any]:
        # dtype is declared on this base class, so dataclasses lists it first; show it last.
        names = [field.name for field in dataclasses.fields(self) if field.name != "dtype"] + ["dtype"]
        return {name: getattr(self, name) for name in names}

    def _frozen(self) -> Any:
        # Cached because jax.jit hashes the initializer on every call; fields never change.
        frozen = self.__dict__.get("_frozen_fields")
        if frozen is None:
            frozen = serialization.freeze(self._fields())
            object.__setattr__(self, "_frozen_fields", frozen)
        return frozen

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._frozen() == other._frozen()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._frozen()))

    def __repr__(self) -> str:
        params = ", ".join(f"{name}={_format_value(value)}" for name, value in self._fields().items())
        return f"{type(self).__name__}({params})"

    def to_config(self) -> dict[str, Any]:
        """Return the configuration as plain data: ``{"class": name, "params": {...}}``.

        Raises:
          ValueError: if a parameter cannot be serialized, such as a lambda.
        """
        params = {name: serialization.encode(value) for name, value in self._fields().items()}
        return {"class": type(self).__name__, "params": params}

    # Operators build composite initializers (see braininit.composition). That
    # module imports this one, so each operator imports it when called.
    # NumPy defers to the reflected operators below instead of looping over arrays.
    __array_ufunc__ = None

    def __add__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("add", self, other)

    def __radd__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("add", other, self)

    def __sub__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("sub", self, other)

    def __rsub__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("sub", other, self)

    def __mul__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("mul", self, other)

    def __rmul__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("mul", other, self)

    def __truediv__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("truediv", self, other)

    def __rtruediv__(self, other: Any) -> Any:
        from braininit import composition
        return composition.combine("truediv", other, self)

    def __neg__(self) -> Initializer:
        from braininit import composition
        return composition.Arithmetic("mul", self, -1.0)

    def __or__(self, function: Any) -> Initializer:
        """Return ``Pipe(self, function)``: the values of ``self`` passed through ``function``."""
        from braininit import composition
        return composition.Pipe(self, function)

    def clip(self, low: Any = None, high: Any = None) -> Initializer:
        """Return ``Clip(self, low, high)``: the values clipped to ``[low, high]``; see :class:`~braininit.Clip`."""
        from braininit import composition
        return composition.Clip(self, low, high)


@functools.partial(jax.jit, static_argnums=(0, 2, 3))
def _generate_compiled(initializer: Initializer, key: jax.Array, shape: Shape, dtype: np.dtype) -> Any:
    """Run ``_generate`` compiled, also for eager calls.

    XLA contracts ``a * b + c`` into a fused multiply-add, so an uncompiled
    eager run could differ from a jitted one in the last bit. Compiling both
    makes eager, ``jax.jit`` and ``jax.vmap`` results identical. Initializers
    are hashable by value, so equal configurations share one compilation.
    """
    return initializer._generate(key, shape, dtype)


def _format_value(value: Any) -> str:
    """Format a parameter for ``repr``, keeping dtypes and functions short."""
    if isinstance(value, np.dtype):
        return value.name
    if callable(value) and not isinstance(value, Initializer) and hasattr(value, "__qualname__"):
        return value.__qualname__
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype.name})" if value.size > 8 else repr(value.tolist())
    return repr(value)


def from_config(config: dict[str, Any]) -> Initializer:
    """Rebuild an initializer from the output of its ``to_config``.

    Args:
      config: ``{"class": name, "params": {...}}`` as returned by ``to_config``.

    Returns:
      An initializer equal to the one the config was made from.

    Raises:
      ValueError: if the class name is unknown or the config is malformed.
    """
    if not isinstance(config, dict) or "class" not in config or "params" not in config:
        raise ValueError(f"a config is a dict with keys 'class' and 'params', got {config!r}.")

    name = config["class"]
    cls = Initializer._registry.get(name)
    if cls is None:
        known = ", ".join(sorted(Initializer._registry))
        raise ValueError(f"unknown initializer class {name!r} in config; known classes: {known}.")

    params = {key: serialization.decode(value, from_config) for key, value in config["params"].items()}
    return cls(**params)
