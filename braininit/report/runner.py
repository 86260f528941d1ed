"""Running the selected sections and writing the report folder."""

from __future__ import annotations

import functools
import importlib
import json
from pathlib import Path
from typing import Callable

import jax

import braininit
from braininit.report import output
from braininit.report.numbers import to_json
from braininit.report.pages import write_html, write_markdown
from braininit.report.progress import Progress
from braininit.report.section import Context, Section
from braininit.report.sections import studies
from braininit.report.settings import SECTIONS, Settings, propagation_initializers

TITLE = "braininit initialization report"

_SECTION_MODULES = {
    "fans": "braininit.report.sections.fans",
    "weights": "braininit.report.sections.weights",
    "propagation": "braininit.report.sections.propagation",
    "recurrent": "braininit.report.sections.recurrent",
    "spectra": "braininit.report.sections.spectra",
    "kernels": "braininit.report.sections.kernels",
    "guide": "braininit.report.sections.guide",
}


def _runner(name: str) -> Callable[[Context], Section]:
    if name in studies.STUDIES:
        return functools.partial(studies.run, section=name)
    return importlib.import_module(_SECTION_MODULES[name]).run


def _work_units(settings: Settings) -> int:
    """Count progress steps: one per section, one per initializer and width in propagation, one for writing."""
    units = len(settings.sections) + 1
    if "propagation" in settings.sections:
        units += len(propagation_initializers()) * len(settings.sizes.widths)
    return units


def _settings_record(settings: Settings) -> dict:
    sizes = settings.sizes
    return {
        "seed": settings.seed,
        "quick": settings.quick,
        "sections": list(settings.sections),
        "depths": list(sizes.depths),
        "widths": list(sizes.widths),
        "n_keys": sizes.n_keys,
        "batch": sizes.batch,
        "rnn_hidden": sizes.rnn_hidden,
        "rnn_steps": sizes.rnn_steps,
        "spectrum_size": sizes.spectrum_size,
        "braininit_version": braininit.__version__,
        "jax_version": jax.__version__,
        "null_means": "the value overflowed float32",
    }


def _settings_line(settings: Settings) -> str:
    sizes = settings.sizes
    return (
        f"seed {settings.seed}{', quick' if settings.quick else ''}; depths {', '.join(map(str, sizes.depths))}; "
        f"widths {', '.join(map(str, sizes.widths))}; {sizes.n_keys} keys; batch {sizes.batch}; "
        f"braininit {braininit.__version__}, jax {jax.__version__}."
    )


def _write(folder: Path, settings: Settings, sections: list[Section], results: dict) -> None:
    document = {"settings": _settings_record(settings), **results}
    text = json.dumps(to_json(document), indent=1, allow_nan=False)
    (folder / "results.json").write_text(text + "\n", encoding="utf-8")
    write_markdown(folder, TITLE, _settings_line(settings), sections)
    write_html(folder, TITLE, _settings_line(settings), sections)


def run_report(settings: Settings) -> list[Section]:
    """Run the sections of ``settings`` and write the report into ``settings.out``.

    Every file is written into a temporary folder next to the target. That
    folder replaces the target only once the whole report is complete, and
    any error removes it.

    Raises:
      ReportError: for a target that cannot be written or a study that cannot be imported.
    """
    output.check_target(settings.out)
    for name in settings.sections:
        if name in studies.STUDIES:
            studies.load(name)

    staging = output.make_staging(settings.out)
    progress = Progress(_work_units(settings), settings.quiet)
    try:
        context = Context(settings, staging, {}, progress.advance)
        sections = []
        for name in SECTIONS:
            if name in settings.sections:
                section = _runner(name)(context)
                context.results.update(section.results)
                sections.append(section)

        _write(staging, settings, sections, context.results)
        progress.advance("writing")
        output.publish(staging, settings.out)
    except BaseException:
        output.discard(staging)
        raise
    finally:
        progress.close()
    return sections
