"""Writing the report folder all at once: build it in a temporary folder, then move it into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from braininit.report.errors import ReportError

# A folder holding this file is taken to be an earlier report, which a new run may replace.
MARKER = "results.json"


def check_target(out: Path) -> None:
    """Check that ``out`` can receive a report: absent, empty, or an earlier report.

    Raises:
      ReportError: if ``out`` is a file or a folder with other content.
    """
    if out.is_file():
        raise ReportError(f"--out {out} is a file; pass a folder path.", status=2)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ReportError(
            f"--out {out} is a folder that contains files other than a braininit report; "
            "pass a new or empty folder.",
            status=2,
        )


def make_staging(out: Path) -> Path:
    """Create the temporary folder next to ``out``, on the same file system so the final move is a rename.

    Raises:
      ReportError: if the parent folder cannot be created or written.
    """
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))
        # mkdtemp creates the folder private (0o700); a report folder gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        return staging
    except OSError as error:
        raise ReportError(f"cannot write the report to {out}: {error.strerror or error}.", status=2) from None


def publish(staging: Path, out: Path) -> None:
    """Move the finished report from ``staging`` to ``out``, replacing an earlier report there."""
    previous = None
    if out.exists():
        previous = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.replace(out, previous / "report")
    os.replace(staging, out)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def discard(staging: Path) -> None:
    """Remove an unfinished report."""
    shutil.rmtree(staging, ignore_errors=True)
