"""Which representation of a feed's URL to send: the feed document, or its page for a browser.

Browsers no longer show feeds, so a person who opens a feed's URL gets the feed's page; a feed
reader gets the document, byte for byte as before. The choice is the client's Accept header,
judged by werkzeug: the page only when the client prefers `text/html` to the feed's own media
type. Browsers ask for `text/html` first; readers ask for feed types, `*/*` (a tie, which goes to
the feed) or send nothing.
"""

from __future__ import annotations

import functools

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from feedsvc.model.layout import (
    ARCHIVE_FOLDER,
    FEED_MEDIA_TYPES,
    HTML_MEDIA_TYPE,
    INDEX_PATH,
    PAGE_SUFFIX,
)

HTML = HTML_MEDIA_TYPE
VARY_NEGOTIATED = "Accept, Accept-Encoding"  # feed documents and their pages
VARY_ENCODING = "Accept-Encoding"  # everything else


def page_instead(path: str, accept: str) -> str | None:
    """The path of the page to send instead of the document at `path` (as in the URL layout),
    when `path` is a feed document and `accept` prefers HTML to its format; else None."""
    if not accept:
        return None
    stem, dot, suffix = path.rpartition(".")
    media_type = FEED_MEDIA_TYPES.get(dot + suffix)
    if media_type is None or not _prefers_html(accept, media_type):
        return None
    return stem + PAGE_SUFFIX


def vary(path: str) -> str:
    """The Vary header of the document at `path`. A feed's URL sends either its document or its
    page depending on Accept, and the page's prepared headers serve both URLs, so both say so."""
    if path.startswith(ARCHIVE_FOLDER + "/"):  # archive pages have no page for people
        return VARY_ENCODING
    _, dot, suffix = path.rpartition(".")
    if dot + suffix in FEED_MEDIA_TYPES or (dot + suffix == PAGE_SUFFIX and path != INDEX_PATH):
        return VARY_NEGOTIATED
    return VARY_ENCODING


@functools.lru_cache(maxsize=512)
def _prefers_html(accept: str, media_type: str) -> bool:
    """Whether an Accept value prefers HTML to a feed's media type. Cached: the values clients
    send are few and repeat, and polling must stay cheap. On a tie the feed wins."""
    best = parse_accept_header(accept, MIMEAccept).best_match([media_type, HTML])
    return best == HTML
