"""Sphinx configuration of the braininit documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``;
``-W`` turns every warning (a broken reference, a malformed docstring) into
an error, as CI does.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

import braininit  # noqa: E402

project = "braininit"
author = "braininit developers"
copyright = "braininit developers"
release = braininit.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "Thumbs.db", ".DS_Store"]

# MyST: $...$ math, ::: fences for directives, and anchors for ## headings so
# pages can link to each other's sections as page.md#anchor.
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# Docstrings are Google style with Args/Returns/Raises sections.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Attributes sections become field lists, so they do not clash with the
# entries autodoc writes for the same attributes (NamedTuple fields).
napoleon_use_ivar = True

autodoc_default_options = {
    "members": True,
    # Members every initializer inherits (to_config, clip, ...) are documented
    # once, on Initializer; family base classes still pass theirs on.
    "inherited-members": "Initializer,object,tuple",
    "member-order": "bysource",
}
autodoc_typehints = "description"
# Types go next to the arguments a docstring describes, not into empty entries.
autodoc_typehints_description_target = "documented"
autodoc_typehints_format = "short"
autoclass_content = "class"

pygments_style = "friendly"
html_title = f"braininit {release}"
html_theme = "furo" if importlib.util.find_spec("furo") else "alabaster"

