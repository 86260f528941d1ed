"""The ``braininit report`` command: files, pinned numbers, determinism, bad arguments, optional sections."""

import importlib.abc
import importlib.util
import io
import json
import math
import shutil
import subprocess
import sys
import types

import pytest

from braininit.report import progress
from braininit.report.cli import main

FIGURES = (
    "fans.png",
    "weights.png",
    "propagation_forward.png",
    "propagation_backward.png",
    "recurrent.png",
    "spectra.png",
    "delta_orthogonal.png",
    "identity_dirac.png",
    "guide.png",
)
# A small run for tests that need the pipeline but not the study's sizes.
SMALL = ["--depths", "4", "--widths", "8", "--keys", "2"]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """Run ``python -m braininit report --quick`` once, in a fresh process, as a user would."""
    out = tmp_path_factory.mktemp("quick") / "report"
    result = subprocess.run(
        [sys.executable, "-m", "braininit", "report", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="module")
def results(quick_report):
    out, _ = quick_report
    return json.loads((out / "results.json").read_text())


def _record(records, **fields):
    return next(r for r in records if all(r[name] == value for name, value in fields.items()))


def _run(argv, capsys):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_quick_writes_every_file(quick_report):
    out, result = quick_report

    for name in ("index.html", "report.md", "results.json") + FIGURES:
        assert (out / name).is_file(), name
    assert "Wrote" in result.stdout
    # stderr is not a terminal here, so no progress bar.
    assert "\r" not in result.stderr
    assert "step" not in result.stderr


def test_quick_leaves_no_staging_folder(quick_report):
    out, _ = quick_report

    assert sorted(path.name for path in out.parent.iterdir()) == ["report"]


def test_results_top_level_keys(results):
    for key in ("settings", "fans", "weight_stats", "signal_propagation", "rnn_gradient_flow", "spectra", "kernels", "decision_guide"):
        assert key in results
    assert results["settings"]["quick"] is True
    assert results["settings"]["seed"] == 0


def test_results_weight_stats_kaiming(results):
    record = _record(results["weight_stats"], initializer="KaimingNormal")

    assert record["shape"] == [100, 100]
    assert record["expected_std"] == pytest.approx(math.sqrt(2 / 100), abs=1e-6)
    # Four standard errors of a std over 10^4 normal values.
    assert record["std"] == pytest.approx(0.1414, rel=4 / math.sqrt(2e4))
    assert {"mean", "min", "max"} <= set(record)


def test_results_weight_stats_cover_every_initializer(results):
    names = {record["initializer"] for record in results["weight_stats"]}

    assert names == {
        "KaimingNormal", "KaimingUniform", "XavierNormal", "XavierUniform", "LecunNormal",
        "LecunUniform", "VarianceScaling(truncated_normal)", "Orthogonal", "Identity",
    }
    assert _record(results["weight_stats"], initializer="Orthogonal")["expected_std"] == pytest.approx(0.1)


def test_results_kaiming_relu_depth_20(results):
    record = _record(results["signal_propagation"], initializer="KaimingNormal", activation="relu", depth=20, width=100)
    std = record["std_per_layer"]

    # sqrt(1 - 1/pi) = 0.826 at every layer in expectation; 2 keys at depth 20, width 100 put the
    # geometric mean within a factor exp(4 * 0.5 / sqrt(2)) = 4.1 (see test_diagnostics).
    assert len(std) == 20
    assert len(record["grad_norm_per_layer"]) == 20
    assert std[0] == pytest.approx(0.826, rel=0.1)
    assert 0.826 / 4.1 < std[-1] < 0.826 * 4.1
    assert 0.5 <= std[-1] / std[0] <= 2
    assert record["forward_verdict"] == "stable"


def test_results_xavier_relu_collapses(results):
    kaiming = _record(results["signal_propagation"], initializer="KaimingNormal", activation="relu", depth=20, width=100)
    xavier = _record(results["signal_propagation"], initializer="XavierNormal", activation="relu", depth=20, width=100)

    # RELU_STD * 2 ** (-19 / 2) = 8.07e-4; the same keys make the Xavier / Kaiming ratio exactly 2 ** -10.
    assert 8.07e-4 / 4.1 < xavier["std_per_layer"][-1] < 8.07e-4 * 4.1
    assert xavier["std_per_layer"][-1] / kaiming["std_per_layer"][-1] == pytest.approx(2**-10, rel=1e-4)
    assert xavier["forward_verdict"] == "vanishing"


def test_results_signal_propagation_grid(results):
    records = results["signal_propagation"]

    assert len(records) == 10 * 6 * 2
    assert {r["activation"] for r in records} == {"linear", "relu", "leaky_relu", "tanh", "selu", "gelu"}
    assert {r["depth"] for r in records} == {20, 100}


def test_results_overflow_is_null(results):
    record = _record(results["signal_propagation"], initializer="Normal(std=1.0)", activation="relu", depth=100, width=100)

    assert record["std_per_layer"][-1] is None
    assert record["forward_verdict"] == "exploding"


def test_results_rnn_orthogonal_flat(results):
    record = _record(results["rnn_gradient_flow"], initializer="Orthogonal")
    norms = record["grad_norm_per_step"]

    assert len(norms) == 100
    assert max(norms) / min(norms) == pytest.approx(1.0, abs=1e-3)
    assert record["max_abs_eigenvalue"] == pytest.approx(1.0, abs=1e-5)
    assert _record(results["rnn_gradient_flow"], initializer="Normal(std=0.1)")["verdict"] == "vanishing"


def test_results_fans(results):
    conv = _record(results["fans"], layer="Conv2D 3x3 16->32", layout="channels_first")

    assert conv["shape"] == [32, 16, 3, 3]
    assert (conv["fan_in"], conv["fan_out"], conv["fan_avg"]) == (144, 288, 216)
    dense = _record(results["fans"], layer="Dense 100->50", layout="jax")
    assert (dense["shape"], dense["fan_in"], dense["fan_out"]) == ([100, 50], 100, 50)


def test_results_kernels_and_spectra(results):
    for record in results["kernels"]["delta_orthogonal"]:
        assert record["orthogonality_error"] < 1e-5
        assert record["off_centre_max"] == 0
    assert {r["case"] for r in results["kernels"]["identity_dirac"]} == {"square", "wide", "tall"}
    orthogonal = _record(results["spectra"], initializer="Orthogonal")
    assert min(orthogonal["singular_values"]) == pytest.approx(1.0, abs=1e-5)


def test_results_decision_guide_relu(results):
    entry = _record(results["decision_guide"], architecture="MLP, depth 20", activation="relu")

    assert entry["recommended"] in ("KaimingNormal", "KaimingUniform")
    assert "XavierNormal" not in entry["stable_initializers"]


def test_html_is_self_contained(quick_report):
    out, _ = quick_report
    page = (out / "index.html").read_text()

    assert page.count("data:image/png;base64,") == len(FIGURES)
    assert 'src="' not in page.replace('src="data:', "")
    assert "Criterion:" in page


def test_markdown_links_figures(quick_report):
    out, _ = quick_report
    page = (out / "report.md").read_text()

    for name in FIGURES:
        assert f"({name})" in page


def test_report_is_deterministic(tmp_path, capsys):
    argv = ["report", "--sections", "propagation,recurrent", "--quiet", *SMALL]

    assert _run([*argv, "--out", str(tmp_path / "a")], capsys)[0] == 0
    assert _run([*argv, "--out", str(tmp_path / "b")], capsys)[0] == 0
    assert (tmp_path / "a" / "results.json").read_bytes() == (tmp_path / "b" / "results.json").read_bytes()


def test_report_replaces_earlier_report(tmp_path, capsys):
    out = tmp_path / "report"
    out.mkdir()
    (out / "results.json").write_text("{}")
    (out / "stale.png").write_text("old")

    assert _run(["report", "--sections", "fans", "--quiet", "--out", str(out)], capsys)[0] == 0
    assert not (out / "stale.png").exists()
    assert json.loads((out / "results.json").read_text())["fans"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report"]


def test_svg_format(tmp_path, capsys):
    out = tmp_path / "report"

    assert _run(["report", "--sections", "fans", "--format", "svg", "--quiet", "--out", str(out)], capsys)[0] == 0
    assert (out / "fans.svg").is_file()
    assert "<svg" in (out / "index.html").read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--sections", "fans,bogus"], "unknown section 'bogus'"),
        (["--depths=-5"], "argument --depths: must be positive, got -5"),
        (["--depths", "-5"], "argument --depths: must be positive, got -5"),
        (["--widths", "ten"], "argument --widths: expected positive integers"),
        (["--format", "pdf"], "invalid choice: 'pdf'"),
        (["--seed", "-1"], "argument --seed: must be non-negative"),
    ],
)
def test_bad_argument_one_line(tmp_path, capsys, arguments, message):
    out = tmp_path / "report"

    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--out", str(out), *arguments])
    err = capsys.readouterr().err

    assert exit_info.value.code == 2
    assert message in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")

    status, _, err = _run(["report", "--sections", "fans", "--out", str(blocker / "report")], capsys)

    assert status == 2
    assert "cannot write the report" in err
    assert err.count("\n") == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file.txt"]


def test_out_is_foreign_folder(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")

    status, _, err = _run(["report", "--sections", "fans", "--out", str(tmp_path)], capsys)

    assert status == 2
    assert "contains files other than a braininit report" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_missing_command(capsys):
    status, _, err = _run([], capsys)

    assert status == 2
    assert "missing command" in err
    assert err.count("\n") == 1


def _fake_study(module_name, results, calls):
    def run_study(key, quick):
        calls.append(quick)
        return results

    def plot_study(results, path):
        from matplotlib.figure import Figure

        figure = Figure(figsize=(3, 2))
        figure.subplots().plot(results["curve"])
        figure.savefig(path)

    module = types.ModuleType(module_name)
    module.run_study = run_study
    module.plot_study = plot_study
    return module


def test_optional_training_section(tmp_path, capsys, monkeypatch):
    calls = []
    table = {"columns": ["initializer", "final loss"], "rows": [["KaimingNormal", 0.25]]}
    study = {"accuracy": 0.91234567, "curve": [1.0, 0.5, 0.25], "verdict": "Kaiming trains fastest.", "table": table}
    monkeypatch.setitem(sys.modules, "braininit.studies.digits", _fake_study("braininit.studies.digits", study, calls))
    out = tmp_path / "report"

    status, _, _ = _run(["report", "--sections", "training", "--quick", "--quiet", "--out", str(out)], capsys)

    assert status == 0
    assert calls == [True]
    assert (out / "training.png").is_file()
    saved = json.loads((out / "results.json").read_text())["training"]
    assert saved == {**study, "accuracy": 0.912346}
    assert "Kaiming trains fastest." in (out / "index.html").read_text()
    assert "| KaimingNormal | 0.25 |" in (out / "report.md").read_text()


def test_optional_sections_off_by_default(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "braininit.studies.ei_network", _fake_study("braininit.studies.ei_network", {"curve": [1.0]}, calls))

    assert _run(["report", "--sections", "fans", "--quiet", "--out", str(tmp_path / "r")], capsys)[0] == 0
    assert calls == []


def test_optional_section_module_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "braininit.studies.ei_network", None)

    status, _, err = _run(["report", "--sections", "fans,ei_network", "--out", str(tmp_path / "r")], capsys)

    assert status == 1
    assert "needs the module braininit.studies.ei_network" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


class _MissingDependency(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``braininit.studies.digits`` as a module whose first import statement fails on flax."""

    def find_spec(self, name, path=None, target=None):
        if name == "braininit.studies.digits":
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ModuleNotFoundError("No module named 'flax'", name="flax")


def test_optional_section_dependency_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "braininit.studies.digits", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_MissingDependency(), *sys.meta_path])

    status, _, err = _run(["report", "--sections", "training", "--out", str(tmp_path / "r")], capsys)

    assert status == 1
    assert "'flax' is not installed" in err
    assert 'pip install "braininit[frameworks]"' in err
    assert list(tmp_path.iterdir()) == []


def test_failed_section_leaves_no_report(tmp_path, capsys, monkeypatch):
    def diverge(key, quick):
        raise RuntimeError("training diverged")

    study = _fake_study("braininit.studies.digits", {}, [])
    study.run_study = diverge
    monkeypatch.setitem(sys.modules, "braininit.studies.digits", study)

    with pytest.raises(RuntimeError, match="training diverged"):
        main(["report", "--sections", "fans,training", "--quiet", "--out", str(tmp_path / "r")])
    assert list(tmp_path.iterdir()) == []


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_terminal(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    bar = progress.Progress(3, quiet=False)
    bar.advance("fans")
    bar.close()
    assert "fans" in terminal.getvalue()

    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    progress.Progress(3, quiet=True).advance("fans")
    assert quiet.getvalue() == ""

    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    progress.Progress(3, quiet=False).advance("fans")
    assert pipe.getvalue() == ""


def test_console_script_help():
    script = shutil.which("braininit")
    command = [script] if script else [sys.executable, "-m", "braininit"]

    result = subprocess.run([*command, "report", "--help"], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0
    for option in ("--out", "--seed", "--quick", "--sections", "--format", "--quiet"):
        assert option in result.stdout


def test_report_import_stays_light():
    code = "import sys, braininit.report.cli; print([m for m in ('matplotlib', 'tqdm', 'scipy', 'flax') if m in sys.modules])"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
