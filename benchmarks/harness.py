"""Timing, result tables and their text form, shared by every benchmark case.

Each case builds a list of :class:`Candidate` objects, one per implementation,
and :func:`run_table` turns them into a :class:`Table`: medians of interleaved
repeats after warm-up, each divided by the median of a named reference row.
Interleaving (one call of every implementation per round, in a new shuffled
order each round) spreads the load of a shared machine evenly over the rows,
so the ratios stay comparable even when the absolute times drift during the
run, and no row always runs right after the same neighbour.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
import traceback
from collections.abc import Callable
from typing import Any

import jax

__all__ = [
    "Settings",
    "Row",
    "Table",
    "Candidate",
    "block",
    "compile_stages",
    "run_table",
    "format_seconds",
]


@dataclasses.dataclass(frozen=True)
class Settings:
    """How long and how often every case runs.

    Attributes:
      quick: tiny sizes, for the smoke test; the numbers then mean little.
      repeats: timed calls per implementation; the row reports their median.
      warmup: untimed calls per implementation before the timed rounds.
      settle_s: pause before each timed call. BLAS and OpenMP worker threads
        spin for a while after a call returns. On a machine with few cores
        they take a core from the next library's call unless it waits.
    """

    quick: bool = False
    repeats: int = 5
    warmup: int = 1
    settle_s: float = 0.0


@dataclasses.dataclass
class Row:
    """One implementation's result in a table.

    Attributes:
      name: the implementation, as printed.
      value: median of the timed calls in seconds (or of the table's unit), or None
        when the row was skipped or failed.
      extra: further columns, such as compile time or orthogonality error.
        Keys ending in ``_s`` are seconds, keys ending in ``_mib`` are MiB.
      samples: every timed call, in seconds.
      note: why the row has no time, or a caveat.
    """

    name: str
    value: float | None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    samples: list[float] = dataclasses.field(default_factory=list)
    note: str = ""


@dataclasses.dataclass
class Table:
    """The rows of one benchmark case, with ratios to the row named ``reference``.

    Attributes:
      case: the case the table belongs to, as named on the command line.
      title: what was measured, with sizes and dtype.
      reference: the name of the row every ratio divides by.
      rows: the implementations in print order.
      notes: skipped peers and caveats, printed under the table.
      unit: what ``Row.value`` measures; "time" prints durations, "MiB" prints sizes.
    """

    case: str
    title: str
    reference: str
    rows: list[Row]
    notes: list[str] = dataclasses.field(default_factory=list)
    unit: str = "time"

    def ratio(self, row: Row) -> float | None:
        """Return ``row.value`` over the reference row's, or None when either is missing."""
        reference = next((r for r in self.rows if r.name == self.reference), None)
        if reference is None or not reference.value or row.value is None:
            return None
        return row.value / reference.value

    def to_json(self) -> dict[str, Any]:
        """Return the table as plain data, ratios included."""
        rows = []
        for row in self.rows:
            rows.append(
                {
                    "name": row.name,
                    "median": row.value,
                    "ratio": self.ratio(row),
                    "samples": row.samples,
                    "note": row.note,
                    **row.extra,
                }
            )
        return {
            "case": self.case,
            "title": self.title,
            "reference": self.reference,
            "unit": "seconds" if self.unit == "time" else self.unit,
            "rows": rows,
            "notes": self.notes,
        }

    def render(self) -> str:
        """Return the table as aligned text: name, median, ratio, then the extra columns."""
        extra_keys: list[str] = []
        for row in self.rows:
            extra_keys += [key for key in row.extra if key not in extra_keys]

        header = ["implementation", "median" if self.unit == "time" else self.unit, f"x {self.reference}"]
        header += [_column_title(key) for key in extra_keys]
        lines = [header]
        for row in self.rows:
            ratio = self.ratio(row)
            cells = [
                row.name,
                _format_value("median_s" if self.unit == "time" else "value", row.value),
                "-" if ratio is None else f"{ratio:.2f}",
            ]
            cells += [_format_value(key, row.extra.get(key)) for key in extra_keys]
            if row.note and row.value is None:
                cells[1] = "skipped"
            lines.append(cells)

        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        text = [f"## {self.title}"]
        for i, line in enumerate(lines):
            text.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
            if i == 0:
                text.append("  ".join("-" * width for width in widths))
        for row in self.rows:
            if row.note:
                text.append(f"  {row.name}: {row.note}")
        text += [f"  note: {note}" for note in self.notes]
        return "\n".join(text)


@dataclasses.dataclass
class Candidate:
    """An implementation to time: ``setup()`` returns the call to time and any extra columns.

    ``setup`` runs once before warm-up, so compile stages measured there are
    reported and not mixed into the steady-state median. ``check``, if given,
    receives the output of the first warm-up call and returns more columns,
    such as an accuracy measure. An exception in
    ``setup`` or in a call turns the row into a failed row with the error as
    its note; the other rows still run.
    """

    name: str
    setup: Callable[[], tuple[Callable[[], Any], dict[str, Any]]]
    check: Callable[[Any], dict[str, Any]] | None = None


def format_seconds(seconds: float) -> str:
    """Format a duration with three significant digits in s, ms or us."""
    if seconds >= 1.0:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def _column_title(key: str) -> str:
    if key.endswith("_s"):
        return key[:-2].replace("_", " ")
    if key.endswith("_mib"):
        return key[:-4].replace("_", " ") + " MiB"
    return key.replace("_", " ")


def _format_value(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key.endswith("_s") and isinstance(value, (int, float)):
        return format_seconds(float(value))
    if isinstance(value, float):
        if key.endswith("error"):
            return f"{value:.1e}"
        return f"{value:.4g}"
    return str(value)


def block(value: Any) -> Any:
    """Wait until every array in ``value`` is computed, for JAX and PyTorch alike.

    JAX dispatches asynchronously on every backend, and PyTorch does on CUDA,
    so a timer that stops before this returns measures only the dispatch.
    """
    leaves = jax.tree_util.tree_leaves(value)
    jax.block_until_ready([leaf for leaf in leaves if isinstance(leaf, jax.Array)])

    cuda_leaf = any(type(leaf).__module__.startswith("torch") and getattr(leaf, "is_cuda", False) for leaf in leaves)
    if cuda_leaf:
        import torch

        torch.cuda.synchronize()
    return value


def compile_stages(fn: Callable[..., Any], *args: Any) -> tuple[Callable[..., Any], dict[str, float]]:
    """Compile ``jax.jit(fn)`` for ``args`` stage by stage and time each stage.

    Returns:
      The compiled executable, and the seconds spent in ``trace_s`` (Python to
      jaxpr), ``lower_s`` (jaxpr to StableHLO), ``compile_s`` (XLA) and
      ``first_call_s`` (the first run, which also allocates and warms caches).
    """
    jitted = jax.jit(fn)

    start = time.perf_counter()
    traced = jitted.trace(*args)
    traced_at = time.perf_counter()
    lowered = traced.lower()
    lowered_at = time.perf_counter()
    compiled = lowered.compile()
    compiled_at = time.perf_counter()
    block(compiled(*args))
    called_at = time.perf_counter()

    stages = {
        "trace_s": traced_at - start,
        "lower_s": lowered_at - traced_at,
        "compile_s": compiled_at - lowered_at,
        "first_call_s": called_at - compiled_at,
    }
    return compiled, stages


def _describe_error(error: BaseException) -> str:
    last = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}" if last else ""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"failed with {type(error).__name__}{where}: {message[:200]}"


def run_table(
    case: str,
    title: str,
    reference: str,
    candidates: list[Candidate],
    settings: Settings,
    notes: list[str] | None = None,
    cpu_time: bool = True,
) -> Table:
    """Time every candidate in interleaved rounds and return the table.

    Args:
      case: the case name the table belongs to.
      title: what is measured.
      reference: the candidate name that ratios divide by.
      candidates: the implementations, in print order.
      settings: repeats, warm-up calls and the pause between calls.
      notes: skipped peers and caveats to print under the table.
      cpu_time: also report the median process CPU time per call (all
        threads together) as the column ``cpu``. On a loaded machine the CPU
        time of a single-threaded call stays close to its unloaded wall time.

    Returns:
      A :class:`Table` whose rows hold the median of ``settings.repeats`` calls.
    """
    rows = {candidate.name: Row(candidate.name, None) for candidate in candidates}
    cpu_samples: dict[str, list[float]] = {candidate.name: [] for candidate in candidates}
    calls: dict[str, Callable[[], Any]] = {}

    for candidate in candidates:
        try:
            call, extra = candidate.setup()
            rows[candidate.name].extra.update(extra)
            for index in range(max(settings.warmup, 1 if candidate.check else 0)):
                output = block(call())
                if index == 0 and candidate.check is not None:
                    rows[candidate.name].extra.update(candidate.check(output))
                del output
            calls[candidate.name] = call
        except Exception as error:  # a failing peer must not stop the other rows
            rows[candidate.name].note = _describe_error(error)

    shuffler = random.Random(0)
    for _ in range(settings.repeats):
        order = list(calls)
        shuffler.shuffle(order)
        for name in order:
            if name not in calls:
                continue
            if settings.settle_s:
                time.sleep(settings.settle_s)
            try:
                cpu_start = time.process_time()
                start = time.perf_counter()
                block(calls[name]())
                rows[name].samples.append(time.perf_counter() - start)
                cpu_samples[name].append(time.process_time() - cpu_start)
            except Exception as error:
                rows[name].note = _describe_error(error)
                del calls[name]

    for row in rows.values():
        if row.samples and not row.note:
            row.value = statistics.median(row.samples)
            if cpu_time:
                row.extra["cpu_s"] = statistics.median(cpu_samples[row.name])
    return Table(case, title, reference, list(rows.values()), list(notes or []))
