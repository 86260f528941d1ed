"""Diagnostics against closed forms: expected stds, signal and gradient propagation, spectra, structured kernels.

Deep ReLU networks fluctuate from key to key: for width n the log of the
squared activation norm has variance about 5 L / n after L layers (Hanin and
Rolnick, 2018, "How to Start Training: The Effect of Initialization and
Architecture"). Tolerances on deep-network values use that bound: a per-key
log-std sd of 0.5 at depth 20, width 100, divided by sqrt(n_keys), times 4.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import braininit as bi
from braininit import diagnostics as dg

KEY = jax.random.key(7)
DEPTH, WIDTH, N_KEYS = 20, 100, 16

# std of relu(z) for z ~ N(0, s^2) is s * sqrt(1/2 - 1/(2 pi)).
RELU_STD = math.sqrt(0.5 - 0.5 / math.pi)
# Per-key sd of log(std) at depth 20, width 100: sqrt(5 * 20 / 100) / 2 for log std.
LOG_SD_PER_KEY = 0.5
LOG_TOLERANCE = 4 * LOG_SD_PER_KEY / math.sqrt(N_KEYS)


def _geometric_mean(values):
    return float(np.exp(np.mean(np.log(np.asarray(values)))))


@pytest.fixture(scope="module")
def relu_runs():
    """Kaiming, Xavier and a small normal on the same keys, so their weights differ only by a scale."""
    key_weights, key_inputs = jax.random.split(KEY)
    runs = {}
    for label, init in {"kaiming": bi.KaimingNormal(), "xavier": bi.XavierNormal(), "small": bi.Normal(0.0, 0.01)}.items():
        weights = dg.sample_layers(init, WIDTH, DEPTH, key_weights, N_KEYS)
        result = dg.propagate(weights, ("relu",), key_inputs)
        runs[label] = (np.asarray(result.std[0]), np.asarray(result.grad_norm[0]))
    return runs


def test_expected_std_variance_scaling():
    assert dg.expected_std(bi.KaimingNormal(), (100, 100)) == pytest.approx(math.sqrt(2 / 100))
    assert dg.expected_std(bi.XavierUniform(), (100, 50)) == pytest.approx(math.sqrt(1 / 75))
    assert dg.expected_std(bi.KaimingNormal(layout="channels_first"), (32, 16, 3, 3)) == pytest.approx(math.sqrt(2 / 144))


def test_expected_std_orthogonal_and_identity():
    assert dg.expected_std(bi.Orthogonal(), (100, 100)) == pytest.approx(0.1)
    assert dg.expected_std(bi.Orthogonal(scale=2.0), (64, 16)) == pytest.approx(2 / 8)
    assert dg.expected_std(bi.Orthogonal(layout="channels_first"), (16, 64)) == pytest.approx(1 / 8)

    eye = np.asarray(bi.Identity(3.0)(KEY, (4, 6)))
    assert dg.expected_std(bi.Identity(3.0), (4, 6)) == pytest.approx(eye.std())


def test_expected_std_distributions():
    assert dg.expected_std(bi.Normal(0.0, 0.3), (5, 5)) == pytest.approx(0.3)
    assert dg.expected_std(bi.Uniform(-1.0, 2.0), (5, 5)) == pytest.approx(3 / math.sqrt(12))
    assert dg.expected_std(bi.Zeros(), (5, 5)) == 0.0

    truncated = stats.truncnorm(-1.0, 2.5, loc=0.5, scale=2.0)
    assert dg.expected_std(bi.TruncatedNormal(0.5, 2.0, low=-1.5, high=5.5), (3,)) == pytest.approx(truncated.std())


def test_expected_std_unsupported():
    with pytest.raises(TypeError, match="DeltaOrthogonal"):
        dg.expected_std(bi.DeltaOrthogonal(), (3, 3, 8, 8))


def test_weight_statistics_kaiming_100x100():
    w = bi.KaimingNormal()(KEY, (100, 100))
    result = {name: float(value) for name, value in dg.weight_statistics(w).items()}
    n = w.size

    # (n - 1) s^2 / sigma^2 is chi-square with n - 1 degrees of freedom.
    low, high = stats.chi2(n - 1).ppf([0.0005, 0.9995])
    sigma = 0.1414214
    assert math.sqrt(low / (n - 1)) * sigma < result["std"] < math.sqrt(high / (n - 1)) * sigma
    assert result["min"] == pytest.approx(float(w.min()))
    assert result["max"] == pytest.approx(float(w.max()))
    assert abs(result["mean"]) < 4 * sigma / math.sqrt(n)


def test_sample_weights_prefix():
    few = dg.sample_weights(bi.Orthogonal(), (8, 8), KEY, 2)
    many = dg.sample_weights(bi.Orthogonal(), (8, 8), KEY, 5)

    assert many.shape == (5, 8, 8)
    np.testing.assert_array_equal(few, many[:2])
    np.testing.assert_array_equal(many[3], bi.Orthogonal()(jax.random.fold_in(KEY, 3), (8, 8)))


def test_sample_layers_shallow_is_prefix():
    shallow = dg.sample_layers(bi.KaimingUniform(), 16, 3, KEY, 2)
    deep = dg.sample_layers(bi.KaimingUniform(), 16, 7, KEY, 2)

    assert deep.shape == (2, 7, 16, 16)
    np.testing.assert_array_equal(shallow, deep[:, :3])


def test_sample_layers_rejects_zero_depth():
    with pytest.raises(ValueError, match="depth must be a positive int, got 0"):
        dg.sample_layers(bi.KaimingNormal(), 16, 0, KEY, 2)


def test_kaiming_relu_first_layer_std(relu_runs):
    std, _ = relu_runs["kaiming"]
    # Kaiming keeps E[h^2] = 2 for unit-variance input, so std(relu(h)) = sqrt(2) * RELU_STD = sqrt(1 - 1/pi).
    expected = math.sqrt(1 - 1 / math.pi)

    assert expected == pytest.approx(0.8256, abs=1e-4)
    # One layer: log-variance sd about sqrt(5 / 100) per input, halved for log std.
    assert _geometric_mean(std[:, 0]) == pytest.approx(expected, rel=4 * math.sqrt(5 / 100) / 2 / math.sqrt(N_KEYS))


def test_kaiming_relu_std_preserved_over_20_layers(relu_runs):
    std, _ = relu_runs["kaiming"]
    expected = math.sqrt(1 - 1 / math.pi)

    assert abs(math.log(_geometric_mean(std[:, -1]) / expected)) < LOG_TOLERANCE
    assert 0.5 < _geometric_mean(std[:, -1]) / _geometric_mean(std[:, 0]) < 2.0


def test_xavier_relu_collapses_over_20_layers(relu_runs):
    std, _ = relu_runs["xavier"]
    # Variance 1/n halves E[a^2] at every ReLU layer: std after L layers is RELU_STD * 2 ** (-(L - 1) / 2).
    expected = RELU_STD * 2 ** (-(DEPTH - 1) / 2)

    assert expected == pytest.approx(8.07e-4, rel=1e-3)
    assert abs(math.log(_geometric_mean(std[:, -1]) / expected)) < LOG_TOLERANCE


def test_xavier_to_kaiming_ratio_is_exact(relu_runs):
    # Same keys: XavierNormal weights are KaimingNormal's divided by sqrt(2), and ReLU is
    # positively homogeneous, so layer l's std ratio is exactly 2 ** (-l / 2).
    kaiming, _ = relu_runs["kaiming"]
    xavier, _ = relu_runs["xavier"]
    layers = np.arange(1, DEPTH + 1)

    np.testing.assert_allclose(xavier / kaiming, np.broadcast_to(2.0 ** (-layers / 2), kaiming.shape), rtol=1e-4)


def test_small_normal_std_does_not_underflow(relu_runs):
    # std 0.01 against Kaiming's sqrt(0.02): the ratio after 20 layers is about 1e-23,
    # whose square underflows float32; the std must still come out exact.
    kaiming, _ = relu_runs["kaiming"]
    small, _ = relu_runs["small"]
    ratio = (0.01 / math.sqrt(0.02)) ** DEPTH

    assert ratio < 1e-22
    np.testing.assert_allclose(small[:, -1] / kaiming[:, -1], ratio, rtol=1e-3)


def test_kaiming_relu_gradient_at_output(relu_runs):
    _, grad = relu_runs["kaiming"]
    # dL/dh at the output is g times relu'(h): about half of WIDTH standard normal entries.
    assert _geometric_mean(grad[:, -1]) == pytest.approx(math.sqrt(WIDTH / 2), rel=0.1)


def test_kaiming_relu_gradient_preserved(relu_runs):
    _, grad = relu_runs["kaiming"]

    assert abs(math.log(_geometric_mean(grad[:, 0] / grad[:, -1]))) < LOG_TOLERANCE


def test_xavier_relu_gradient_vanishes(relu_runs):
    _, grad = relu_runs["xavier"]
    # Each layer back halves E[||dL/dh||^2].
    expected = 2 ** (-(DEPTH - 1) / 2)

    assert abs(math.log(_geometric_mean(grad[:, 0] / grad[:, -1]) / expected)) < LOG_TOLERANCE


def test_signal_propagation_orthogonal_linear():
    std = np.asarray(dg.signal_propagation(bi.Orthogonal(), "linear", 30, 64, KEY, n_keys=2))

    # An orthogonal map keeps every input's norm; only the batch mean can shift the std.
    assert std.shape == (2, 30)
    np.testing.assert_allclose(std, std[:, :1] * np.ones((1, 30)), rtol=0.02)


def test_gradient_flow_matches_propagate():
    grad = dg.gradient_flow(bi.LecunNormal(), "tanh", 6, 32, KEY, n_keys=2)
    key_weights, key_inputs = jax.random.split(KEY)
    weights = dg.sample_layers(bi.LecunNormal(), 32, 6, key_weights, 2)

    np.testing.assert_allclose(grad, dg.propagate(weights, ("tanh",), key_inputs).grad_norm[0], rtol=1e-6)


def test_propagate_stacked_activations_match_single():
    weights = dg.sample_layers(bi.KaimingNormal(), 32, 6, KEY, 2)
    both = dg.propagate(weights, ("relu", "selu"), KEY)
    selu = dg.propagate(weights, ("selu",), KEY)

    np.testing.assert_allclose(both.std[1], selu.std[0], rtol=1e-5)
    np.testing.assert_allclose(both.grad_norm[1], selu.grad_norm[0], rtol=1e-5)


def test_propagate_overflow_is_inf():
    std = np.asarray(dg.signal_propagation(bi.Normal(0.0, 1.0), "relu", 60, 64, KEY, n_keys=2))
    grad = np.asarray(dg.gradient_flow(bi.Normal(0.0, 1.0), "relu", 60, 64, KEY, n_keys=2))

    assert not np.isnan(std).any()
    assert not np.isnan(grad).any()
    assert np.isinf(std[:, -1]).all()
    # Once a layer overflows, every later layer counts as overflowed.
    first = np.argmax(np.isinf(std), axis=1)
    for row, start in zip(std, first):
        assert np.isinf(row[start:]).all()
        assert np.isfinite(row[:start]).all()
    assert np.isinf(grad).all()


def test_propagate_rejects_rectangular_weights():
    with pytest.raises(ValueError, match=r"\(n_keys, depth, width, width\)"):
        dg.propagate(jnp.ones((2, 3, 4, 5)), ("relu",), KEY)


def test_resolve_activation():
    assert dg.resolve_activation("leaky_relu")(jnp.array(-1.0)) == pytest.approx(-0.2)
    assert dg.resolve_activation(jnp.sin) is jnp.sin
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        dg.resolve_activation("swish")


def test_rnn_orthogonal_keeps_gradient_norm():
    norms = np.asarray(dg.rnn_gradient_flow(bi.Orthogonal(), 50, 100, KEY, n_keys=2))

    assert norms.shape == (2, 100)
    np.testing.assert_allclose(norms, norms[:, :1] * np.ones((1, 100)), rtol=1e-4)


def test_rnn_small_normal_gradient_vanishes():
    key_weights, key_cotangent = jax.random.split(KEY)
    weights = dg.sample_weights(bi.Normal(0.0, 0.1), (50, 50), key_weights, 2)
    norms = np.asarray(dg.recurrent_gradient_norms(weights, key_cotangent, steps=100))

    # The gradient k steps back shrinks like rho**k, with rho the spectral radius (about 0.7 here).
    for row, w in zip(norms, np.asarray(weights)):
        rho = dg.max_abs_eigenvalue(w)
        assert rho < 1
        assert row[-1] / row[0] < rho**60
    assert dg.classify_stability(norms[0]) == "vanishing"


def test_max_abs_eigenvalue():
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])

    assert dg.max_abs_eigenvalue(rotation) == pytest.approx(1.0)
    assert dg.max_abs_eigenvalue(np.diag([0.5, -3.0, 2.0])) == pytest.approx(3.0)


def test_xavier_spectral_radius_near_one():
    # Circular law: entries of variance 1/n put the eigenvalues in the unit disk as n grows.
    radii = [dg.max_abs_eigenvalue(w) for w in np.asarray(dg.sample_weights(bi.XavierNormal(), (200, 200), KEY, 3))]

    assert all(0.9 < radius < 1.25 for radius in radii)


def test_singular_values_orthogonal_and_normal():
    orthogonal = np.asarray(dg.singular_values(bi.Orthogonal()(KEY, (128, 128))))
    normal = np.asarray(dg.singular_values(bi.LecunNormal()(KEY, (128, 128))))

    np.testing.assert_allclose(orthogonal, 1.0, atol=1e-5)
    assert np.all(np.diff(normal) <= 0)
    # Quarter-circle law: singular values of a square matrix with entry variance 1/n fill [0, 2].
    assert 1.8 < normal[0] < 2.2
    assert normal[-1] < 0.1


def test_orthogonality_error():
    assert dg.orthogonality_error(bi.Orthogonal()(KEY, (96, 96))) < 1e-5
    assert dg.orthogonality_error(bi.Orthogonal()(KEY, (16, 48))) < 1e-5
    assert dg.orthogonality_error(2 * jnp.eye(5)) == pytest.approx(3.0)
    assert dg.gram_deviation(jnp.ones((3, 7))).shape == (3, 3)


@pytest.mark.parametrize(("n_in", "n_out"), [(6, 6), (6, 9), (9, 6)])
def test_passthrough_identity_and_dirac(n_in, n_out):
    assert dg.passthrough_error(bi.Identity()(KEY, (n_in, n_out))) < 1e-6
    assert dg.passthrough_error(bi.Dirac()(KEY, (3, 3, n_in, n_out))) == 0.0
    assert dg.passthrough_error(bi.Dirac(layout="channels_first")(KEY, (n_out, n_in, 3, 3)), "channels_first") == 0.0


def test_passthrough_dirac_1d_and_3d():
    assert dg.passthrough_error(bi.Dirac()(KEY, (5, 4, 4))) == 0.0
    assert dg.passthrough_error(bi.Dirac()(KEY, (3, 3, 3, 2, 2))) == 0.0


def test_passthrough_detects_other_kernels():
    assert dg.passthrough_error(bi.DeltaOrthogonal()(KEY, (3, 3, 4, 4))) > 0.1
    assert dg.passthrough_error(2 * jnp.eye(4)) > 0.1


def test_passthrough_rejects_vector():
    with pytest.raises(ValueError, match="got shape \\(4,\\)"):
        dg.passthrough_error(jnp.ones(4))


def test_delta_orthogonal_both_layouts():
    jax_kernel = bi.DeltaOrthogonal()(KEY, (3, 3, 32, 32))
    channels_first = bi.DeltaOrthogonal(layout="channels_first")(KEY, (32, 32, 3, 3))

    for kernel, layout in ((jax_kernel, "jax"), (channels_first, "channels_first")):
        assert dg.orthogonality_error(dg.centre_matrix(kernel, layout)) < 1e-5
        assert dg.off_centre_max(kernel, layout) == 0.0
    np.testing.assert_array_equal(dg.centre_matrix(jax_kernel), dg.centre_matrix(channels_first, "channels_first"))


def test_to_jax_layout_rejects_unknown_layout():
    with pytest.raises(ValueError, match="unknown layout 'nchw'"):
        dg.to_jax_layout(jnp.ones((2, 2)), "nchw")


def test_summarize_keys():
    summary = dg.summarize_keys([[1.0, 4.0, 0.0], [4.0, np.inf, 2.0]])

    np.testing.assert_allclose(summary.mean, [2.0, np.inf, 0.0])
    np.testing.assert_array_equal(summary.low, [1.0, 4.0, 0.0])
    np.testing.assert_array_equal(summary.high, [4.0, np.inf, 2.0])


@pytest.mark.parametrize(
    ("curve", "start", "verdict"),
    [
        ([1.0, 1.9, 0.6], 0, "stable"),
        ([1.0, 0.9, 0.4], 0, "vanishing"),
        ([1.0, 2.5, 1.0], 0, "exploding"),
        ([1.0, 0.3, 3.0], 0, "unstable"),
        ([1.0, np.inf, np.inf], 0, "exploding"),
        ([0.0, 0.0], 0, "vanishing"),
        ([0.01, 0.5, 1.0], -1, "vanishing"),
    ],
)
def test_classify_stability(curve, start, verdict):
    assert dg.classify_stability(curve, start) == verdict


def test_diagnostics_import_stays_light():
    import subprocess
    import sys

    code = "import sys, braininit.diagnostics; print([m for m in ('matplotlib', 'tqdm', 'scipy') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
