"""The site's English search index, with each word stemmed once per build, not once per page.

Sphinx's index builder remembers a word's stem only while it indexes one page, so the same
few thousand words are stemmed again on every page: about 100,000 calls of the pure-Python
Snowball stemmer, most of a second of each build. A stem depends on the word alone, so
remembering it for the whole build changes nothing in ``searchindex.js``; this class is
Sphinx's own English language otherwise (the same stop words, splitter and JavaScript
stemmer), registered in its place with ``app.add_search_language``.
"""

from __future__ import annotations

import functools

from sphinx.search.en import SearchEnglish

__version__ = "1"


class EnglishStemmedOnce(SearchEnglish):
    """Sphinx's English search language, remembering every stem for the whole build."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self._stem_once = functools.cache(super().stem)

    def stem(self, word: str) -> str:
        return self._stem_once(word)


def setup(app):
    app.add_search_language(EnglishStemmedOnce)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
