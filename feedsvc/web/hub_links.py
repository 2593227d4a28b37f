"""WebSub discovery in the headers: every feed is served with `Link` headers naming its hub.

A subscriber looks for the hub in a feed's `Link` headers first, then in the document's own links
(WebSub 1.0, section 4), so both carry it: render/xml.py and render/json_feed.py put it in the
documents; `link_headers` gives the headers web/documents.py prepares once per generation.
Telling the hub what changed is service/hub_pings.py's job.
"""

from __future__ import annotations

from collections.abc import Callable

from feedsvc.model.layout import document_url, is_feed
from feedsvc.settings import Settings

Headers = list[tuple[str, str]]


def link_headers(settings: Settings) -> Callable[[str], Headers]:
    """path -> the `Link` header a feed is served with (none for other documents, or without a
    hub): the hub and the feed's own URL, which is the topic a subscriber subscribes to."""
    hub, base = settings.websub_hub, settings.feeds_base

    def headers(path: str) -> Headers:
        if not hub or not is_feed(path):
            return []
        return [("Link", f'<{hub}>; rel="hub", <{document_url(base, path)}>; rel="self"')]

    return headers
