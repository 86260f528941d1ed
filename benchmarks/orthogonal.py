"""Orthogonal initialization: braininit against jax, torch, braintools, NumPy and SciPy QR.

Each shape gets a table with the time of a full draw (Gaussian, QR, sign fix)
and the orthogonality error max|Q^T Q - I| of the result next to it. A last
table splits the QR into its LAPACK steps (geqrf, then orgqr, which JAX calls
householder_product) for JAX, PyTorch and SciPy, with JAX's OpenBLAS at its
default thread count and at one thread, to show where the time goes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import braininit as bi
from benchmarks import peers
from benchmarks.harness import (
    Candidate,
    Settings,
    Table,
    block,
    compile_stages,
    run_table,
)

__all__ = ["run", "orthogonality_error"]

CASE = "orthogonal"
SHAPES = ((256, 256), (1024, 1024), (2048, 2048), (4096, 4096), (8192, 1024))
# One tall shape covers the flatten, QR and sign-fix code the square shapes use.
QUICK_SHAPES = ((64, 16),)
# Above this many columns the error is checked on a sample of columns; Q^T Q in
# float64 at 4096 columns costs seconds per row.
_FULL_CHECK_COLUMNS = 2048
_SAMPLED_COLUMNS = 512
_BLAS_SETTLE_S = 0.25
# numpy.linalg.qr casts float32 input to float64 and back, so it is slow at large sizes.
_NUMPY_MAX_SIDE = 2048


def _to_numpy(values: Any) -> np.ndarray:
    if type(values).__module__.startswith("torch"):
        values = values.detach().cpu().numpy()
    return np.asarray(values).astype(np.float64)


def orthogonality_error(values: Any) -> dict[str, Any]:
    """Return max|Q^T Q - I| over the orthonormal side of ``values``, computed in float64.

    For more than 2048 orthonormal vectors the maximum is taken over 512 of
    them chosen with a fixed seed (each against all), so it is a lower bound.
    """
    q = _to_numpy(values)
    if q.shape[0] < q.shape[1]:
        q = q.T
    n = q.shape[1]

    if n <= _FULL_CHECK_COLUMNS:
        gram = q.T @ q
        return {"orthogonality_error": float(np.abs(gram - np.eye(n)).max())}

    sample = np.random.default_rng(0).choice(n, _SAMPLED_COLUMNS, replace=False)
    gram = q[:, sample].T @ q
    gram[np.arange(_SAMPLED_COLUMNS), sample] -= 1.0
    return {"orthogonality_error": float(np.abs(gram).max())}


def _jitted(fn: Callable[[jax.Array], Any], key: jax.Array) -> Callable[[], tuple[Callable[[], Any], dict]]:
    def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        compiled, stages = compile_stages(fn, key)
        return (lambda: compiled(key)), {"compile_s": stages["compile_s"]}

    return setup


def _sign_fixed(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    diagonal = np.diagonal(r)
    q *= np.where(diagonal == 0, 1.0, np.sign(diagonal)).astype(q.dtype)
    return q


def _host_qr(shape: tuple[int, int], qr: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]) -> Callable:
    """Return a full float32 draw on the host: Gaussian, QR, sign fix, transpose if wide."""
    rows, cols = shape
    tall = (max(rows, cols), min(rows, cols))

    def setup() -> tuple[Callable[[], Any], dict[str, Any]]:
        rng = np.random.default_rng(0)

        def draw() -> np.ndarray:
            q, r = qr(rng.standard_normal(tall, dtype=np.float32))
            q = _sign_fixed(q, r)
            return q.T if rows < cols else q

        return draw, {}

    return setup


def shape_table(shape: tuple[int, int], settings: Settings) -> Table:
    """Time a full orthogonal draw of ``shape`` in every library, with its orthogonality error."""
    key = jax.random.key(0)
    check = orthogonality_error
    jax_output: list[np.ndarray] = []

    def jax_check(output: Any) -> dict[str, Any]:
        jax_output.append(np.asarray(output))
        return orthogonality_error(output)

    def braininit_check(output: Any) -> dict[str, Any]:
        # The same key must give jax.nn.initializers.orthogonal's values exactly.
        same = bool(jax_output) and np.array_equal(np.asarray(output).view(np.uint8), jax_output[0].view(np.uint8))
        return {**orthogonality_error(output), "same_bits_as_jax": "yes" if same else "no"}

    candidates = [
        Candidate("jax.nn.initializers (jit)", _jitted(lambda k: jax.nn.initializers.orthogonal()(k, shape), key), jax_check),
        Candidate("braininit float32 (jit)", _jitted(lambda k: bi.Orthogonal()(k, shape, jnp.float32), key), braininit_check),
        Candidate("braininit bfloat16 (jit)", _jitted(lambda k: bi.Orthogonal()(k, shape, jnp.bfloat16), key), check),
    ]
    notes = []

    torch = peers.load("torch")
    reference = "torch.nn.init (preallocated)" if torch is not None else "jax.nn.initializers (jit)"
    if torch is not None:

        def torch_setup() -> tuple[Callable[[], Any], dict[str, Any]]:
            tensor = torch.empty(shape, dtype=torch.float32, device=peers.torch_device())
            return (lambda: torch.nn.init.orthogonal_(tensor)), {}

        candidates.append(Candidate(reference, torch_setup, check))
    else:
        notes.append(peers.missing_note("torch"))

    braintools = peers.load("braintools")
    if braintools is not None:
        peers.seed_braintools(0)
        init = braintools.init.Orthogonal()
        candidates.append(Candidate("braintools.init (eager)", lambda: ((lambda: init(shape)), {}), check))
    else:
        notes.append(peers.missing_note("braintools"))

    if max(shape) <= _NUMPY_MAX_SIDE:
        candidates.append(Candidate("numpy linalg.qr (computes in float64)", _host_qr(shape, np.linalg.qr), check))
    else:
        notes.append(f"numpy linalg.qr is left out above {_NUMPY_MAX_SIDE}: it computes in float64, seconds per call.")
    scipy_linalg = peers.load("scipy.linalg")
    if scipy_linalg is not None:

        def scipy_qr(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return scipy_linalg.qr(a, mode="economic", overwrite_a=True, check_finite=False)

        candidates.append(Candidate("scipy linalg.qr float32", _host_qr(shape, scipy_qr), check))
    else:
        notes.append(peers.missing_note("scipy"))

    notes.append(
        "NumPy and SciPy rows include the float32 Gaussian draw (default_rng) and the sign fix; SciPy's QR runs in float32; "
        "bfloat16 is computed in float32 and rounded, so its error is bfloat16's precision."
    )
    if max(shape) > _FULL_CHECK_COLUMNS:
        notes.append(f"orthogonality error sampled on {_SAMPLED_COLUMNS} of the orthonormal vectors.")
    title = f"Orthogonal {shape[0]}x{shape[1]} float32"
    return run_table(CASE, title, reference, candidates, settings, notes, cpu_time=True)


def _with_blas_threads(threads: int, call: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap ``call`` so that it runs, and finishes, with every loaded BLAS at ``threads`` threads."""
    threadpoolctl = peers.load("threadpoolctl")
    libraries = [lib for lib in threadpoolctl.ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    defaults = [lib.num_threads for lib in libraries]

    def limited() -> Any:
        for lib in libraries:
            lib.set_num_threads(threads)
        try:
            # Block inside: JAX dispatches asynchronously, and the LAPACK call must run under the limit.
            return block(call())
        finally:
            for lib, default in zip(libraries, defaults):
                lib.set_num_threads(default)

    return limited


def _with_torch_threads(torch: Any, threads: int, call: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap ``call`` so that it runs with torch's intra-op thread count set to ``threads``."""

    def limited() -> Any:
        default = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return block(call())
        finally:
            torch.set_num_threads(default)

    return limited


def steps_table(n: int, settings: Settings) -> Table:
    """Time the LAPACK steps of an ``n x n`` float32 QR in JAX, PyTorch and SciPy."""
    from jax._src.lax import (
        linalg as lax_linalg,  # geqrf is not exported by jax.lax.linalg
    )

    key = jax.random.key(0)
    gaussian = jax.random.normal(key, (n, n), jnp.float32)
    reflectors, taus = jax.jit(lax_linalg.geqrf)(gaussian)
    geqrf = jax.jit(lax_linalg.geqrf).lower(gaussian).compile()
    orgqr = jax.jit(lax_linalg.householder_product).lower(reflectors, taus).compile()
    normal = jax.jit(lambda k: jax.random.normal(k, (n, n), jnp.float32)).lower(key).compile()
    braininit_draw = jax.jit(lambda k: bi.Orthogonal()(k, (n, n))).lower(key).compile()

    candidates = [
        Candidate("jax: Gaussian draw", lambda: ((lambda: normal(key)), {})),
        Candidate("jax: geqrf (lapack_sgeqrf_ffi)", lambda: ((lambda: geqrf(gaussian)), {})),
        Candidate("jax: householder_product (lapack_sorgqr_ffi)", lambda: ((lambda: orgqr(reflectors, taus)), {})),
        Candidate("braininit Orthogonal (jit), all steps", lambda: ((lambda: braininit_draw(key)), {})),
    ]
    notes = []
    if peers.load("threadpoolctl") is not None:
        candidates += [
            Candidate("jax: geqrf, OpenBLAS 1 thread", lambda: (_with_blas_threads(1, lambda: geqrf(gaussian)), {})),
            Candidate(
                "jax: householder_product, OpenBLAS 1 thread",
                lambda: (_with_blas_threads(1, lambda: orgqr(reflectors, taus)), {}),
            ),
        ]
    else:
        notes.append(peers.missing_note("threadpoolctl") + " (needed for the one-thread rows)")

    torch = peers.load("torch")
    reference = "torch: linalg.qr" if torch is not None else "braininit Orthogonal (jit), all steps"
    if torch is not None:
        matrix = torch.from_numpy(np.array(gaussian)).to(peers.torch_device())
        torch_reflectors, torch_taus = torch.geqrf(matrix)
        candidates += [
            Candidate("torch: geqrf", lambda: ((lambda: torch.geqrf(matrix)), {})),
            Candidate(
                "torch: householder_product",
                lambda: ((lambda: torch.linalg.householder_product(torch_reflectors, torch_taus)), {}),
            ),
            Candidate(reference, lambda: ((lambda: torch.linalg.qr(matrix)), {})),
            Candidate("torch: geqrf, 1 thread", lambda: (_with_torch_threads(torch, 1, lambda: torch.geqrf(matrix)), {})),
            Candidate(
                "torch: householder_product, 1 thread",
                lambda: (
                    _with_torch_threads(
                        torch, 1, lambda: torch.linalg.householder_product(torch_reflectors, torch_taus)
                    ),
                    {},
                ),
            ),
        ]
    else:
        notes.append(peers.missing_note("torch"))

    lapack = peers.load("scipy.linalg.lapack")
    if lapack is not None:
        fortran = np.asfortranarray(np.array(gaussian))
        # LAPACK's optimal workspace for block size 32, the one jaxlib requests.
        work = 32 * n
        scipy_reflectors, scipy_taus, _, _ = lapack.sgeqrf(fortran, lwork=work)
        candidates += [
            Candidate("scipy: sgeqrf (same OpenBLAS as jax)", lambda: ((lambda: lapack.sgeqrf(fortran, lwork=work)), {})),
            Candidate(
                "scipy: sorgqr (same OpenBLAS as jax)",
                lambda: ((lambda: lapack.sorgqr(scipy_reflectors, scipy_taus, lwork=work)), {}),
            ),
        ]

    notes.append(
        "jaxlib calls LAPACK through scipy.linalg.cython_lapack, so jax and the scipy rows run the "
        "same OpenBLAS geqrf/orgqr; torch's CPU build calls MKL."
    )
    notes.append(
        "cpu = process CPU time per call, all threads together; the 1-thread rows compare the LAPACK "
        "libraries core for core, and stay meaningful when other processes load the machine."
    )
    title = f"QR steps of a {n}x{n} float32 Gaussian"
    return run_table(CASE, title, reference, candidates, settings, notes, cpu_time=True)


def run(settings: Settings) -> Iterator[Table]:
    """Run the orthogonal case: one table per shape, then the QR steps."""
    shapes = QUICK_SHAPES if settings.quick else SHAPES
    if not settings.quick:
        # OpenBLAS worker threads busy-wait for a while after a call before they sleep
        # (OPENBLAS_THREAD_TIMEOUT), and numpy and scipy each load their own copy, which
        # jaxlib shares with scipy. The pause lets them sleep before the next row starts.
        settings = dataclasses.replace(settings, settle_s=max(settings.settle_s, _BLAS_SETTLE_S))
    for shape in shapes:
        # The 4096 draws take seconds each; three repeats keep the case within a few minutes.
        shape_settings = settings
        if max(shape) >= 4096 and settings.repeats > 3:
            shape_settings = dataclasses.replace(settings, repeats=3)
        yield shape_table(shape, shape_settings)
    yield steps_table(64 if settings.quick else 2048, settings)
