"""``braininit report``: the initialization study as one command.

The command measures the package's initializers with
:mod:`braininit.diagnostics` and writes ``index.html``, ``report.md``,
``results.json`` and one figure per section into an output folder. Its
entry point is :func:`braininit.report.cli.main`; matplotlib and tqdm are
imported only when a report runs (``pip install "braininit[report]"``).
"""
