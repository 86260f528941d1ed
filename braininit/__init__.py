"""braininit: stateless, jit-ready, unit-aware weight initializers for JAX.

Every initializer is an immutable object called as
``init(key, shape, dtype=None, out_sharding=None, *, unit=None)``.

Example:
  >>> import jax, braininit
  >>> w = braininit.KaimingNormal()(jax.random.key(0), (100, 100))
  >>> w.shape, w.dtype
  ((100, 100), dtype('float32'))
"""

from braininit.checks import default_float_dtype as default_float_dtype
from braininit.composition import Arithmetic as Arithmetic
from braininit.composition import Clip as Clip
from braininit.composition import Mixture as Mixture
from braininit.composition import Pipe as Pipe
from braininit.composition import WithUnit as WithUnit
from braininit.composition import with_unit as with_unit
from braininit.connectivity import FixedInDegree as FixedInDegree
from braininit.connectivity import FixedProbability as FixedProbability
from braininit.connectivity import SparseConnections as SparseConnections
from braininit.constant import Constant as Constant
from braininit.constant import Ones as Ones
from braininit.constant import Zeros as Zeros
from braininit.core import Initializer as Initializer
from braininit.core import InitializerLike as InitializerLike
from braininit.core import from_config as from_config
from braininit.distributions import Bernoulli as Bernoulli
from braininit.distributions import Beta as Beta
from braininit.distributions import Exponential as Exponential
from braininit.distributions import Gamma as Gamma
from braininit.distributions import LogNormal as LogNormal
from braininit.distributions import Normal as Normal
from braininit.distributions import TruncatedNormal as TruncatedNormal
from braininit.distributions import Uniform as Uniform
from braininit.distributions import Weibull as Weibull
from braininit.fans import compute_fans as compute_fans
from braininit.gains import calculate_gain as calculate_gain
from braininit.gains import numeric_gain as numeric_gain
from braininit.identity import Dirac as Dirac
from braininit.identity import Identity as Identity
from braininit.jax_compat import constant as constant
from braininit.jax_compat import delta_orthogonal as delta_orthogonal
from braininit.jax_compat import glorot_normal as glorot_normal
from braininit.jax_compat import glorot_uniform as glorot_uniform
from braininit.jax_compat import he_normal as he_normal
from braininit.jax_compat import he_uniform as he_uniform
from braininit.jax_compat import kaiming_normal as kaiming_normal
from braininit.jax_compat import kaiming_uniform as kaiming_uniform
from braininit.jax_compat import lecun_normal as lecun_normal
from braininit.jax_compat import lecun_uniform as lecun_uniform
from braininit.jax_compat import normal as normal
from braininit.jax_compat import ones as ones
from braininit.jax_compat import orthogonal as orthogonal
from braininit.jax_compat import truncated_normal as truncated_normal
from braininit.jax_compat import uniform as uniform
from braininit.jax_compat import variance_scaling as variance_scaling
from braininit.jax_compat import xavier_normal as xavier_normal
from braininit.jax_compat import xavier_uniform as xavier_uniform
from braininit.jax_compat import zeros as zeros
from braininit.orthogonal import DeltaOrthogonal as DeltaOrthogonal
from braininit.orthogonal import Orthogonal as Orthogonal
from braininit.spatial import DistanceDependent as DistanceDependent
from braininit.spatial import paired_distances as paired_distances
from braininit.spatial import pairwise_distances as pairwise_distances
from braininit.synapses import Connected as Connected
from braininit.synapses import DaleLaw as DaleLaw
from braininit.synapses import SpectralRadius as SpectralRadius
from braininit.synapses import connection_weights as connection_weights
from braininit.tree import Param as Param
from braininit.tree import init_tree as init_tree
from braininit.tree import path_key as path_key
from braininit.variance_scaling import KaimingNormal as KaimingNormal
from braininit.variance_scaling import KaimingUniform as KaimingUniform
from braininit.variance_scaling import LecunNormal as LecunNormal
from braininit.variance_scaling import LecunUniform as LecunUniform
from braininit.variance_scaling import VarianceScaling as VarianceScaling
from braininit.variance_scaling import XavierNormal as XavierNormal
from braininit.variance_scaling import XavierUniform as XavierUniform

__version__ = "0.1.0"
