"""The pieces a report section returns, and the context it runs in."""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path
from typing import Any, Callable

import jax

from braininit.report.settings import Settings


@dataclasses.dataclass(frozen=True)
class Table:
    """A table of a section: a caption, column names and rows of cells (numbers or text)."""

    caption: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclasses.dataclass(frozen=True)
class FigureFile:
    """A figure written into the report folder."""

    filename: str
    caption: str


@dataclasses.dataclass
class Section:
    """A section's contribution to the report.

    Attributes:
      name: the section's name on the command line.
      title: the heading.
      summary: one or two sentences on what the section measures.
      verdict: the one-line conclusion.
      criterion: the rule the verdict applies.
      passed: whether the verdict is the expected one, or None where there is
        no expectation (a comparison).
      figures: figures in the report folder.
      tables: tables shown under the figures.
      results: entries for results.json, keyed by their top-level name.
    """

    name: str
    title: str
    summary: str
    verdict: str
    criterion: str
    passed: bool | None = None
    figures: list[FigureFile] = dataclasses.field(default_factory=list)
    tables: list[Table] = dataclasses.field(default_factory=list)
    results: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Context:
    """The settings, folder and earlier results available to a running section.

    Attributes:
      settings: the command line.
      folder: the temporary report folder that figures are saved into.
      results: the results.json entries of the sections that already ran.
      advance: called with a short description after each unit of work,
        to move the progress bar.
    """

    settings: Settings
    folder: Path
    results: dict[str, Any]
    advance: Callable[[str], None]

    def key(self, section: str) -> jax.Array:
        """Return the PRNG key of a section: the seed folded with a hash of its name.

        The key does not depend on which other sections run, so a section's
        numbers are the same alone or in the full report.
        """
        return jax.random.fold_in(jax.random.key(self.settings.seed), zlib.crc32(section.encode()))

    def save_figure(self, figure: Any, stem: str, caption: str) -> FigureFile:
        """Save a matplotlib figure as ``stem.<format>`` in the report folder and release it."""
        from braininit.report.plotting import save

        filename = f"{stem}.{self.settings.fmt}"
        save(figure, self.folder / filename)
        return FigureFile(filename, caption)
