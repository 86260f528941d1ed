"""Optional sections that run a study module from braininit.studies: model training, an E/I network.

A study module provides ``run_study(key, quick: bool) -> dict`` (JSON-ready
numbers) and ``plot_study(results, path)`` (writes one figure). The module
and its dependencies are imported only when its section is selected.

The section's text comes from optional entries of the results: ``summary``,
``verdict``, ``criterion``, ``passed`` (a bool) and ``table``
(``{"columns": [...], "rows": [[...], ...]}``). Without ``table`` the
section lists the top-level numbers and strings.
"""

from __future__ import annotations

import dataclasses
import importlib
from types import ModuleType

from braininit.report.errors import ReportError
from braininit.report.section import Context, FigureFile, Section, Table


@dataclasses.dataclass(frozen=True)
class Study:
    """An optional section backed by a study module."""

    section: str
    module: str
    title: str
    dependencies: str
    install: str


STUDIES = {
    "training": Study(
        "training",
        "braininit.studies.digits",
        "Training deep MLPs on the digits data set",
        "flax, equinox and scikit-learn",
        'pip install "braininit[frameworks]"',
    ),
    "ei_network": Study(
        "ei_network",
        "braininit.studies.ei_network",
        "A conductance-based excitatory/inhibitory network",
        "brainstate and brainunit",
        'pip install "braininit[frameworks]"',
    ),
}


def load(section: str) -> ModuleType:
    """Import the study module of ``section`` and check that it has ``run_study`` and ``plot_study``.

    Raises:
      ReportError: naming what to install when the module or one of its dependencies is missing.
    """
    study = STUDIES[section]
    try:
        module = importlib.import_module(study.module)
    except ModuleNotFoundError as error:
        if error.name and study.module.startswith(error.name):
            raise ReportError(
                f"section {section!r} needs the module {study.module}, which this braininit installation does not "
                "include; install a braininit release that ships it."
            ) from None
        raise ReportError(
            f"section {section!r} needs {study.dependencies}, but {error.name!r} is not installed; "
            f"install them with {study.install}."
        ) from None
    except ImportError as error:
        raise ReportError(f"section {section!r} could not import {study.module}: {error}; try {study.install}.") from None

    for name in ("run_study", "plot_study"):
        if not callable(getattr(module, name, None)):
            raise ReportError(f"section {section!r}: {study.module} has no function {name}().")
    return module


def _tables(results: dict) -> list[Table]:
    table = results.get("table")
    if isinstance(table, dict) and "columns" in table and "rows" in table:
        return [Table("Results of the study.", tuple(map(str, table["columns"])), [tuple(row) for row in table["rows"]])]

    skipped = {"summary", "verdict", "criterion", "passed"}
    rows = [
        (name, value)
        for name, value in results.items()
        if name not in skipped and isinstance(value, (int, float, str, bool))
    ]
    return [Table("Scalar results of the study.", ("quantity", "value"), rows)] if rows else []


def run(context: Context, section: str) -> Section:
    """Run the study of ``section`` and let it draw its figure into the report folder."""
    study = STUDIES[section]
    module = load(section)
    results = module.run_study(context.key(section), quick=context.settings.quick)
    if not isinstance(results, dict):
        raise ReportError(f"{study.module}.run_study returned {type(results).__name__}, expected a dict of results.")

    filename = f"{section}.{context.settings.fmt}"
    module.plot_study(results, context.folder / filename)
    if not (context.folder / filename).is_file():
        raise ReportError(f"{study.module}.plot_study did not write {filename}.")
    context.advance(section)

    verdict = results.get("verdict")
    criterion = results.get("criterion")
    return Section(
        name=section,
        title=study.title,
        summary=str(results.get("summary", f"Results of {study.module}.run_study.")),
        verdict=str(verdict) if verdict else "See the figure and the numbers below.",
        criterion=str(criterion) if criterion else f"as defined by {study.module}.",
        passed=results.get("passed") if isinstance(results.get("passed"), bool) else None,
        figures=[FigureFile(filename, study.title)],
        tables=_tables(results),
        results={section: results},
    )
