"""Tests of the documentation: the Sphinx build, the code of every page, and the docstring examples.

Each page's ```python blocks run in order in one fresh namespace, so a block
can use what an earlier block of the same page defined. A ```text block that
follows a python block with only blank lines between them is that block's
printed output. The test compares the two word by word, numbers to 5 percent,
so a page never shows a number its code does not print.

The page code and the docstring examples run in a worker subprocess (this
file run as a script), and the Sphinx build runs in a second one. Both start
with the first test of this file, so they overlap. The worker compiles with
XLA's backend optimizations off: the examples are small, so compiling
dominates their run time, and that cut their CPU time by about 40 percent
on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import doctest
import importlib
import importlib.util
import io
import json
import math
import os
import pkgutil
import re
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

import braininit

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(
    str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md") if "_build" not in path.parts and path.name != "README.md"
)

# Packages that braininit imports only inside the modules or functions that
# need them. A module or page that needs one that is missing is skipped.
OPTIONAL = {"flax", "equinox", "haiku", "brainstate", "braintools", "matplotlib", "tqdm", "scipy", "sklearn", "torch"}

WORKER_XLA_FLAGS = "--xla_backend_optimization_level=0"
WORKER_TIMEOUT_SECONDS = 900

# An opening fence: three or more backticks, then a language or a {directive}.
_FENCE = re.compile(r"^(`{3,})\s*(\{[\w-]+\}|[\w+-]*)(\s.*)?$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclasses.dataclass
class CodeBlock:
    language: str
    code: str
    line: int
    output: str | None = None


def read_blocks(text: str) -> list[CodeBlock]:
    """Return the python blocks of a Markdown page, each with the printed output the page shows, if any."""
    blocks: list[CodeBlock] = []
    gap_after: list[bool] = []  # whether only blank lines follow each block so far
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            if lines[i].strip() and gap_after:
                gap_after[-1] = False
            i += 1
            continue

        fence, language, _ = match.groups()
        end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == fence), None)
        if end is None:
            raise ValueError(f"the code block opened at line {i + 1} is never closed")
        blocks.append(CodeBlock(language, "\n".join(lines[i + 1 : end]) + "\n", i + 1))
        gap_after.append(True)
        i = end + 1

    for index in range(1, len(blocks)):
        previous, block = blocks[index - 1], blocks[index]
        if previous.language == "python" and block.language == "text" and gap_after[index - 1]:
            previous.output = block.code
    return [block for block in blocks if block.language == "python"]


def _same_word(expected: str, actual: str) -> bool:
    if _NUMBER.match(expected) and _NUMBER.match(actual):
        return math.isclose(float(expected), float(actual), rel_tol=0.05, abs_tol=1e-9)
    return expected == actual


def check_output(expected: str, actual: str, where: str) -> None:
    """Raise AssertionError unless ``actual`` matches ``expected`` word by word, numbers within 5 percent."""
    expected_words, actual_words = expected.split(), actual.split()
    same = len(expected_words) == len(actual_words) and all(map(_same_word, expected_words, actual_words))
    assert same, f"{where}: the page shows\n{expected}\nbut the code printed\n{actual}"


def _skip_if_optional(error: ModuleNotFoundError, what: str) -> None:
    if error.name and error.name.split(".")[0] in OPTIONAL:
        pytest.skip(f"{what} needs {error.name}, which is not installed")


def run_page(page: str) -> None:
    """Run every python block of a docs page and compare the printed output the page shows."""
    path = DOCS / page
    namespace = {"__name__": f"docs.{path.stem}"}
    for block in read_blocks(path.read_text()):
        where = f"{path.relative_to(ROOT)}:{block.line}"
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(block.code, where, "exec"), namespace)
        except ModuleNotFoundError as error:
            _skip_if_optional(error, where)
            raise
        if block.output is not None:
            check_output(block.output, printed.getvalue(), where)


def run_doctests(name: str) -> None:
    """Run the docstring examples of one module with doctest."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        _skip_if_optional(error, name)
        raise

    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    for test in finder.find(module, name, globs=dict(vars(module))):
        try:
            runner.run(test, out=report.write)
        except ModuleNotFoundError as error:
            _skip_if_optional(error, test.name)
            raise
    assert runner.failures == 0, report.getvalue()


def _modules() -> list[str]:
    names = ["braininit"] + [info.name for info in pkgutil.walk_packages(braininit.__path__, "braininit.")]
    return sorted(names)


RUNNERS = {"page": run_page, "doctest": run_doctests}


def work(targets: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Run ``(kind, target)`` pairs and return ``{"kind:target": (outcome, message)}``."""
    results = {}
    for kind, target in targets:
        try:
            RUNNERS[kind](target)
            results[f"{kind}:{target}"] = ("passed", "")
        except pytest.skip.Exception as skipped:
            results[f"{kind}:{target}"] = ("skipped", str(skipped))
        except Exception:
            results[f"{kind}:{target}"] = ("failed", traceback.format_exc())
    return results


@pytest.fixture(scope="module", autouse=True)
def sphinx_build(request, tmp_path_factory):
    """Start ``sphinx-build -W`` in a subprocess when the build test is selected."""
    selected = any(item.originalname == "test_sphinx_build" for item in request.session.items)
    if not selected or importlib.util.find_spec("sphinx") is None:
        yield None
        return

    folder = tmp_path_factory.mktemp("docs")
    log = open(folder / "sphinx.log", "w+")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(folder / "html")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
    yield process, folder, log
    if process.poll() is None:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="module", autouse=True)
def worker(request, tmp_path_factory):
    """Start the worker subprocess on the pages and modules whose tests are selected."""
    kinds = {"test_page_code": "page", "test_docstring_examples": "doctest"}
    targets = [
        (kinds[item.originalname], next(iter(item.callspec.params.values())))
        for item in request.session.items
        if item.originalname in kinds and item.module.__name__ == __name__
    ]
    if not targets:
        yield None
        return

    folder = tmp_path_factory.mktemp("worker")
    env = {**os.environ, "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} {WORKER_XLA_FLAGS}".strip()}
    command = [sys.executable, __file__, json.dumps(targets), str(folder / "results.json")]
    log = open(folder / "worker.log", "w+")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    results: dict[str, tuple[str, str]] = {}

    def result(kind: str, target: str) -> tuple[str, str]:
        if not results:
            try:
                process.wait(timeout=WORKER_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail(f"the docs worker ran longer than {WORKER_TIMEOUT_SECONDS} s")
            log.seek(0)
            assert process.returncode == 0, f"the docs worker failed:\n{log.read()}"
            results.update(json.loads((folder / "results.json").read_text()))
        return results[f"{kind}:{target}"]

    yield result
    if process.poll() is None:
        process.kill()
        process.wait()
    log.close()


def _report(outcome: tuple[str, str]) -> None:
    status, message = outcome
    if status == "skipped":
        pytest.skip(message)
    if status == "failed":
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("page", PAGES)
def test_page_code(page, worker):
    _report(worker("page", page))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name, worker):
    _report(worker("doctest", name))


def test_read_blocks_pairs_output():
    text = "```python\nprint(1)\n```\n\n```text\n1\n```\n\nprose\n\n```text\nnot output\n```\n"
    (block,) = read_blocks(text)
    assert block.output == "1\n"
    assert block.line == 1


def test_read_blocks_prose_breaks_pair():
    text = "```python\nx = 1\n```\nprose\n```text\nsome text\n```\n"
    (block,) = read_blocks(text)
    assert block.output is None


def test_read_blocks_skips_directives():
    text = "```{eval-rst}\n.. autofunction:: f\n```\n\n```python\nx = 1\n```\n"
    (block,) = read_blocks(text)
    assert block.code == "x = 1\n"


def test_read_blocks_unclosed_fence():
    with pytest.raises(ValueError, match="never closed"):
        read_blocks("```python\nx = 1\n")


def test_check_output_number_tolerance():
    check_output("std 0.141", "std 0.1414\n", "here")
    with pytest.raises(AssertionError, match="the page shows"):
        check_output("std 0.141", "std 0.200", "here")


def _exported_names() -> set[str]:
    return {name for name, value in vars(braininit).items() if not name.startswith("_") and type(value).__name__ != "module"}


def test_api_reference_covers_exports():
    api = "\n".join(path.read_text() for path in sorted((DOCS / "api").glob("*.md")))
    documented = set(re.findall(r"^\.\. auto(?:class|function|data):: (\w+)", api, flags=re.MULTILINE))
    missing = sorted(_exported_names() - documented)
    assert not missing, f"public names with no autodoc entry under docs/api/: {missing}"


def test_torch_layout_matches_table():
    torch = pytest.importorskip("torch", reason="the PyTorch row of the layout table is checked against torch itself")
    from torch.nn.init import _calculate_fan_in_and_fan_out

    linear = torch.nn.Linear(16, 32).weight
    conv = torch.nn.Conv2d(16, 32, 3).weight
    assert tuple(linear.shape) == (32, 16)
    assert tuple(conv.shape) == (32, 16, 3, 3)
    for weight in (linear, conv):
        fans = braininit.compute_fans(tuple(weight.shape), layout="channels_first")
        assert fans == tuple(float(fan) for fan in _calculate_fan_in_and_fan_out(weight))


def test_torch_formulas_match():
    torch = pytest.importorskip("torch", reason="the migration table from torch.nn.init is checked against torch")
    from torch.nn.init import _calculate_correct_fan, _calculate_fan_in_and_fan_out, calculate_gain

    shape = (32, 16, 3, 3)
    weight = torch.empty(shape)
    for nonlinearity, slope in (("relu", 0.01), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("tanh", 0.01), ("selu", 0.01)):
        for mode in ("fan_in", "fan_out"):
            init = braininit.KaimingNormal(mode=mode, nonlinearity=nonlinearity, negative_slope=slope, layout="channels_first")
            std = calculate_gain(nonlinearity, slope) / math.sqrt(_calculate_correct_fan(weight, mode))
            assert math.isclose(init.variance(shape), std**2, rel_tol=1e-12), (nonlinearity, mode)

    gain = 1.7
    fan_in, fan_out = _calculate_fan_in_and_fan_out(weight)
    xavier = braininit.XavierNormal(scale=gain**2, layout="channels_first")
    assert math.isclose(xavier.variance(shape), gain**2 * 2 / (fan_in + fan_out), rel_tol=1e-12)


def test_torch_default_conv_bound():
    torch = pytest.importorskip("torch", reason="the default PyTorch initialization is checked against torch")
    bound = float(torch.nn.Conv2d(16, 32, 3).weight.detach().abs().max())
    init = braininit.KaimingUniform(nonlinearity="leaky_relu", negative_slope=math.sqrt(5), layout="channels_first")
    limit = math.sqrt(3 * init.variance((32, 16, 3, 3)))
    assert bound <= limit
    assert bound > 0.95 * limit


@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None, reason="sphinx is not installed (pip install '.[test]')")
def test_sphinx_build(sphinx_build):
    process, folder, log = sphinx_build
    returncode = process.wait(timeout=300)
    log.seek(0)
    assert returncode == 0, f"sphinx-build -W failed:\n{log.read()}"
    assert (folder / "html" / "index.html").exists()


if __name__ == "__main__":
    # The worker: python tests/test_docs.py TARGETS_JSON RESULTS_PATH
    outcomes = work([tuple(target) for target in json.loads(sys.argv[1])])
    Path(sys.argv[2]).write_text(json.dumps(outcomes))
