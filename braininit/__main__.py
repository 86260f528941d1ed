"""Entry point of the ``braininit`` command and of ``python -m braininit``."""

import os
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``braininit`` command line (see :func:`braininit.report.cli.main`) and return its exit status."""
    # jaxlib's CPU QR calls SciPy's OpenBLAS, which loads on first use. On a busy
    # 2-core machine (jax 0.10.2) its threads made 200 batched 100x100 QRs take
    # 4.5 s instead of 0.05 s with one thread. The report's matrices are at most
    # 512x512, so the command sets one thread unless the user set a value.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    from braininit.report.cli import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
