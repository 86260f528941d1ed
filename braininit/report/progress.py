"""A progress bar on the terminal, silent when stderr is not a terminal or with --quiet."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Count units of work on a tqdm bar, or do nothing when no bar is wanted.

    The bar goes to stderr and appears only when stderr is a TTY, ``quiet``
    is false and tqdm is installed (it is part of the ``report`` extra).
    """

    def __init__(self, total: int, quiet: bool):
        self._bar: Any = None
        if quiet or not sys.stderr.isatty():
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self._bar = tqdm(
            total=total, desc="braininit report", unit="step", leave=False, file=sys.stderr, dynamic_ncols=True
        )

    def advance(self, description: str) -> None:
        """Count one unit of work as done and show its description after the bar."""
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(description)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
