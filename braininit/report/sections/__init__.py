"""One module per report section; each defines ``NAME``, ``TITLE`` and ``run(context) -> Section``."""
