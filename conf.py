"""Sphinx configuration of the SP-API authorisation guide.

This file sits at the repository root on purpose: one Sphinx source tree holds both the
pages (``docs/``) and the verification notebooks (``notebooks/``). The price is that
Sphinx must be told exactly what to read (``root_doc``, ``include_patterns`` and
``exclude_patterns`` below); otherwise it would read ``.venv/``, ``_build/``, the tests
and the README.

Build (here, in CI and on Read the Docs alike)::

    .venv/bin/sphinx-build -n -W --keep-going -b html . _build/html
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# A build allocates millions of objects (doctrees, their copies for every page's navigation)
# and keeps most of them to the end, so Python's default cycle collection (a young-generation
# pass every 700 allocations, and full passes that walk the whole heap) is a fifth of the
# build's CPU time and frees little. Rarer passes: the same HTML, about 4 s of CPU less out of
# 20, for a few MB more memory. Only the sphinx-build process that reads this file is affected.
gc.set_threshold(100_000, 50, 1000)
# And at exit, none at all: the interpreter's last act is a full collection of the heap the
# build leaves (most of two seconds of CPU), whose memory the exit frees anyway. Frozen
# objects are left out of it. atexit runs only when the process ends, so a program that
# runs Sphinx in its own process and goes on (a test, a live-reload server) is not affected.
atexit.register(gc.freeze)
# The package, for autodoc (also when it is not installed), and the local extension.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from spapi_docs_helpers import __version__  # noqa: E402  (needs the sys.path above)

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from the docs extra
    import tomli as tomllib

with open(ROOT / "pyproject.toml", "rb") as _file:
    _PROJECT = tomllib.load(_file)["project"]

# -- Project information -----------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#project-information

project = "SP-API authorisation guide"
author = "the spapi-docs contributors"
copyright = f"2026, {author}"
release = __version__
version = __version__

# -- Where readers get the tool ----------------------------------------------
# The one setting the site's install section reads (the `spapi-install` directive of
# docs/_ext/spapi_catalogue.py): the distribution and its project page, both taken from
# pyproject.toml, where the wheel's metadata comes from too. No page writes them by hand.
spapi_distribution = _PROJECT["name"]
spapi_project_url = _PROJECT["urls"]["Homepage"]

# -- General configuration ---------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#general-configuration

extensions = [
    "myst_nb",  # MyST Markdown pages and .ipynb notebooks (it loads myst_parser itself)
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx.ext.autodoc",
    # Local (docs/_ext/spapi_catalogue.py): the troubleshooting catalogue, the field map, the
    # region, marketplace and role tables and the mock scenario table, generated from the
    # package so that the pages cannot drift from the code.
    "spapi_catalogue",
    # Local (docs/_ext/spapi_search.py): Sphinx's English search, stemming each word once per
    # build instead of once per page; the same searchindex.js, in less time.
    "spapi_search",
    # Local (docs/_ext/spapi_navigation.py): furo's sidebar resolved from the pages' titles
    # alone, instead of every page's whole table of contents on every page; the same HTML.
    "spapi_navigation",
]
# No sphinx.ext.intersphinx: it fetches inventories over the network at build time, and
# the build must work offline.

# conf.py is at the root, so the start page is not "index".
root_doc = "docs/index"
# Read only the pages and the notebooks; zero notebooks is fine.
include_patterns = ["docs/**", "notebooks/*.ipynb"]
# Sphinx finds the pages by walking the source folder, the root here, and only
# exclude_patterns keep it out of a folder: include_patterns filter the files it meets, not
# the folders it enters, and .venv alone holds thousands of them (seconds of every build).
# So every top-level folder but docs/ and notebooks/ is excluded: those a checkout or a build
# makes, by name (a build that creates _build/ must not change this setting: the next build
# would read every page again), and whatever other folder is there.
_PAGE_FOLDERS = {"docs", "notebooks"}
_OTHER_FOLDERS = {
    *(".git", ".venv", ".venv-lab", "_build", "build", "dist", "test-artifacts"),
    *(".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "__pycache__", "*.egg-info"),
    *(folder.name for folder in ROOT.iterdir() if folder.is_dir()),
} - _PAGE_FOLDERS
exclude_patterns = [
    *sorted(_OTHER_FOLDERS),
    "docs/_ext/**",  # the extension's Python code
    "docs/_static/**",  # CSS copied as is
    "docs/_extra/**",  # redirect pages copied as is to the site root
    "docs/figures/**",  # the SVGs (used by figures) and their README, which is not a page
    "**/.ipynb_checkpoints",
]

# -n on the command line; set here too so a plain sphinx-build is just as strict.
nitpicky = True
# Add one only with a comment saying why.
nitpick_ignore: list[tuple[str, str]] = [
    # Private classes the typed public signatures name: the fleet report's parts (described
    # with FleetReport) and the queue and state file that tests inject (described in the text).
    ("py:class", "spapi_docs_helpers._fleet.CauseGroup"),
    ("py:class", "spapi_docs_helpers._fleet.FleetAccount"),
    ("py:class", "spapi_docs_helpers._queue.NotificationQueue"),
    ("py:class", "spapi_docs_helpers._rotation.SecretState"),
    # check()'s shared transport (what a fleet check passes in): a private class, described
    # in the docstring.
    ("py:class", "Transport"),
    # check()'s ``settled`` (what stays the same for a whole run; a fleet check passes its
    # own): a private class, described in the docstring.
    ("py:class", "Settled"),
]
# The standard library's classes in the API page's signatures (Mapping, PathLike, datetime...):
# without intersphinx (no network at build time, see above) nothing documents them, so they
# are shown as text, not as links.
nitpick_ignore_regex = [
    ("py:class", r"(collections\.abc|os|types)\.\w+|EllipsisType|datetime(\.datetime)?")
]
# No entries: the build is warning-free without suppressing anything.
suppress_warnings: list[str] = []

# -- Options for autodoc -----------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/extensions/autodoc.html#configuration

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

# -- Options for MyST and myst-nb --------------------------------------------
# https://myst-parser.readthedocs.io/en/latest/configuration.html
# https://myst-nb.readthedocs.io/en/latest/configuration.html

myst_enable_extensions = [
    "colon_fence",  # ::: fences for figures, admonitions and sphinx-design
    "deflist",  # term / definition lists
    "substitution",  # {{ name }} for the values below
]
myst_heading_anchors = 3
# {{ doctor_version }} in a page: the version of spapi-doctor these pages describe.
myst_substitutions = {"doctor_version": __version__}

# Notebooks are rendered from their committed outputs (produced against the mock Amazon
# and pinned by nbval), never executed here: "auto" would re-run any notebook with an
# empty cell, and that would reach Amazon's real endpoints.
nb_execution_mode = "off"
# A stderr output left in a committed notebook (a warning, a stray log line) is a build
# warning, so -W turns it into a failure instead of publishing it.
nb_output_stderr = "warn"

# -- Options for HTML output -------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#options-for-html-output
# https://pradyunsg.me/furo/customisation/

html_theme = "furo"
html_title = "SP-API authorisation guide"
html_static_path = ["docs/_static"]
html_css_files = ["spapi.css"]
# Without one, every browser asks for /favicon.ico, gets a 404 and logs a console error.
html_favicon = "docs/_static/favicon.svg"
# Copied as is to the site root: index.html sends the root URL to docs/index.html (the
# pages live under docs/ because conf.py sits at the repository root).
html_extra_path = ["docs/_extra"]
# Read the Docs sets this; it makes the canonical links point at the default version.
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL", "")
html_theme_options = {
    # No source_repository (edit/view buttons): add it, with source_branch and
    # source_directory, once the repository has a public URL.
    "navigation_with_keys": True,
}
# Sphinx's own search (searchindex.js) works offline; nothing here loads from a CDN.

# -- Options for sphinx-copybutton -------------------------------------------
# https://sphinx-copybutton.readthedocs.io/en/latest/use.html

# Shell prompts and Python prompts are not copied, so a copied block runs as is.
copybutton_prompt_text = r"\$ |>>> |\.\.\. "
copybutton_prompt_is_regexp = True

# -- Options for the link checker (make linkcheck; advisory, needs the network) ----
# https://www.sphinx-doc.org/en/master/usage/configuration.html#options-for-the-linkcheck-builder

linkcheck_ignore = [
    # Seller Central (every marketplace's host) needs a login: the checker sees a sign-in page.
    r"https://sellercentral(-[a-z]+)?\.amazon\.[a-z.]+(/.*)?",
    # Solution Provider Portal and Vendor Central need a login too.
    r"https://solutionproviderportal\.amazon\.com(/.*)?",
    r"https://vendorcentral\.amazon\.[a-z.]+(/.*)?",
    # GitHub rate-limits anonymous requests, and the pages cite many issues and pull requests.
    r"https://github\.com/.*/(issues|pull)/\d+",
]
# GitHub renders anchors with JavaScript, so the checker never finds them in the HTML.
linkcheck_anchors_ignore_for_url = [r"https://github\.com/.*"]
