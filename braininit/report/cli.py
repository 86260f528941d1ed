"""The ``braininit`` command line: ``braininit report [options]``."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import time
from pathlib import Path
from typing import NoReturn, Sequence

from braininit.report.errors import ReportError
from braininit.report.settings import DEFAULT_SECTIONS, FORMATS, FULL, OPTIONAL_SECTIONS, QUICK, SECTIONS, Settings


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_ints(text: str) -> tuple[int, ...]:
    values = []
    for item in text.split(","):
        try:
            value = int(item)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be positive, got {value}")
        values.append(value)
    return tuple(values)


def _positive_int(text: str) -> int:
    (value,) = _positive_ints(text)
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be non-negative, got {value}")
    return value


def _sections(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    for name in names:
        if name not in SECTIONS:
            raise argparse.ArgumentTypeError(f"unknown section {name!r}; valid sections are {', '.join(SECTIONS)}")
    if not names:
        raise argparse.ArgumentTypeError("name at least one section")
    return names


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``braininit`` command and its ``report`` subcommand."""
    parser = _Parser(prog="braininit", description="braininit command line.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    report = commands.add_parser(
        "report",
        help="run the initialization study and write an HTML/Markdown report",
        description=(
            "Measure braininit's initializers (weight statistics, signal and gradient propagation through depth "
            "and time, spectra, structured kernels) and write index.html, report.md, results.json and one "
            "figure per section."
        ),
    )

    report.add_argument("--out", type=Path, default=Path("braininit-report"), help="output folder (default: braininit-report)")
    report.add_argument("--seed", type=_non_negative_int, default=0, help="seed of every PRNG key (default: 0)")
    report.add_argument(
        "--quick",
        action="store_true",
        help=f"smaller run for CI: widths {','.join(map(str, QUICK.widths))}, {QUICK.n_keys} keys",
    )
    report.add_argument(
        "--sections",
        type=_sections,
        default=DEFAULT_SECTIONS,
        help=(
            f"comma-separated sections (default: {','.join(DEFAULT_SECTIONS)}); "
            f"optional: {','.join(OPTIONAL_SECTIONS)}"
        ),
    )
    report.add_argument("--format", dest="fmt", choices=FORMATS, default="png", help="figure format (default: png)")
    report.add_argument("--depths", type=_positive_ints, help=f"network depths, comma-separated (default: {','.join(map(str, FULL.depths))})")
    report.add_argument("--widths", type=_positive_ints, help=f"network widths, comma-separated (default: {','.join(map(str, FULL.widths))}; quick: {','.join(map(str, QUICK.widths))})")
    report.add_argument("--keys", type=_positive_int, help=f"independent networks per measurement (default: {FULL.n_keys}; quick: {QUICK.n_keys})")

    report.add_argument("--quiet", action="store_true", help="print nothing but errors and show no progress bar")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"depths": args.depths, "widths": args.widths, "n_keys": args.keys}
    explicit = {name: value for name, value in overrides.items() if value is not None}
    sizes = dataclasses.replace(QUICK if args.quick else FULL, **explicit)
    return Settings(
        out=args.out,
        seed=args.seed,
        quick=args.quick,
        sections=args.sections,
        fmt=args.fmt,
        quiet=args.quiet,
        sizes=sizes,
    )


def _check_plotting() -> None:
    if importlib.util.find_spec("matplotlib") is None:
        raise ReportError("braininit report draws its figures with matplotlib; install it with pip install \"braininit[report]\".")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``braininit`` command line and return its exit status.

    Status 0 on success, 2 for a bad argument, 1 for a missing dependency or
    a study module without ``run_study`` and ``plot_study``, 130 when
    interrupted. Malformed options make argparse exit with status 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        print("braininit: error: missing command; run 'braininit report' (see 'braininit report --help').", file=sys.stderr)
        return 2

    started = time.perf_counter()
    try:
        _check_plotting()
        from braininit.report.runner import run_report

        settings = _settings(args)
        sections = run_report(settings)
    except ReportError as error:
        print(f"braininit report: error: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        print("braininit report: interrupted; no report was written.", file=sys.stderr)
        return 130

    if not args.quiet:
        figures = sum(len(section.figures) for section in sections)
        print(
            f"Wrote {settings.out / 'index.html'}, report.md, results.json and {figures} figures "
            f"in {time.perf_counter() - started:.0f} s."
        )
    return 0
