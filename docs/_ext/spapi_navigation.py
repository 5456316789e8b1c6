"""The site's navigation (furo's sidebar), resolved from the page titles alone.

Furo builds every page's sidebar from Sphinx's global table of contents with
``titles_only=True``: only each page's title (and the tables of contents nested in its
sections) is shown. Sphinx gets there the long way round, on every page: it copies each
page's whole table of contents, every section down to the last heading, and only then
cuts it down to the title; for this site, some 35 pages copied in full for each of the 37
pages written, a tenth of a build.

This extension cuts each page's table of contents down to what ``titles_only`` keeps once
per build (:func:`titles_only`, the rule Sphinx applies, on a copy) and has Sphinx resolve
the sidebars from those. Sphinx then applies its own cut again, which changes nothing: the
HTML is the same, byte for byte. That is checked on every build: the first sidebar is
resolved both ways, and if they differ (a Sphinx that cuts differently) the build warns,
which fails the strict build, and the rest of it resolves the sidebars Sphinx's way.

A page whose table of contents holds an ``only`` directive or sets ``tocdepth`` is left
as it is: Sphinx resolves those while copying, before it cuts, so cutting first could keep
what Sphinx drops. Nothing else changes: the page's own table of contents ("On this page")
and every other reader of the tables of contents see Sphinx's, untouched.
"""

from __future__ import annotations

import functools

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging

__version__ = "1"

LOGGER = logging.getLogger(__name__)

# Before furo's handler (priority 500): the page's ``toctree`` is wrapped before furo calls it.
_BEFORE_FURO = 400


def titles_only(toc: nodes.Element) -> nodes.Element:
    """A copy of a page's table of contents with only what ``titles_only`` keeps.

    Sphinx's rule (``_entries_from_toctree``): of each top-level entry, the title and the
    tables of contents (``toctree`` nodes) found anywhere below it, in place of its sections.
    """
    cut = toc.deepcopy()
    for top_level in cut.children:
        if len(top_level) > 1:
            if subtrees := list(top_level.findall(addnodes.toctree)):
                top_level[1][:] = subtrees
            else:
                top_level.pop(1)
    return cut


def _cuttable(toc: nodes.Element, metadata: dict) -> bool:
    """Whether cutting first gives what Sphinx's copy-then-cut gives (see the docstring)."""
    return "tocdepth" not in metadata and next(toc.findall(addnodes.only), None) is None


class TitlesOnly:
    """The build's cut tables of contents, and whether the first sidebar has been checked."""

    def __init__(self, env) -> None:
        self.tocs: dict | None = {
            docname: titles_only(toc) if _cuttable(toc, env.metadata[docname]) else toc
            for docname, toc in env.tocs.items()
        }
        self.checked = False

    def resolve(self, env, toctree, pagename: str, options: dict) -> str:
        """``toctree(**options)``, furo's sidebar, resolved from the cut tables of contents."""
        if self.tocs is None:  # the check failed: Sphinx's way
            return toctree(**options)
        full = env.tocs
        env.tocs = self.tocs
        try:
            shortcut = toctree(**options)
        finally:
            env.tocs = full
        if not self.checked:
            self.checked = True
            expected = toctree(**options)
            if shortcut != expected:
                LOGGER.warning(
                    "the sidebar resolved from the page titles differs from Sphinx's own; "
                    "docs/_ext/spapi_navigation.py no longer matches how this Sphinx cuts "
                    "titles_only tables of contents (every sidebar is now resolved Sphinx's way)",
                    location=pagename,
                    type="spapi",
                    subtype="navigation",
                )
                self.tocs = None
                return expected
        return shortcut


def _write_started(app, builder) -> None:
    # The tables of contents are final once the pages are read: cut them once per build.
    builder.spapi_titles_only = TitlesOnly(app.env)


def _page_context(app, pagename, templatename, context, doctree) -> None:
    toctree = context.get("toctree")
    cut = getattr(app.builder, "spapi_titles_only", None)
    if toctree is None or cut is None:
        return

    @functools.wraps(toctree)
    def toctree_from_titles(**options):
        if not options.get("titles_only"):
            return toctree(**options)
        return cut.resolve(app.env, toctree, pagename, options)

    context["toctree"] = toctree_from_titles


def setup(app):
    app.connect("write-started", _write_started)
    app.connect("html-page-context", _page_context, priority=_BEFORE_FURO)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
