"""JSON Feed 1.1 documents (https://www.jsonfeed.org/version/1.1/), laid out for splicing.

feedgen writes only Atom and RSS, and a JSON Feed is a plain JSON object, so it is written here with
the json module. The layout is fixed, like the XML documents', so that an item rendered once can be
put into every feed that holds it: the feed's own fields one per line, then `"items"` with one
item per line, each ending in `,` except the last.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feedsvc.content.body import Body
from feedsvc.content.post import Post
from feedsvc.content.text import xml_safe
from feedsvc.model.archives import NO_HISTORY, History, archive_url
from feedsvc.model.kinds import FeedKey
from feedsvc.model.layout import FeedFormat, feed_url
from feedsvc.render.feed_info import feed_title
from feedsvc.settings import Settings

VERSION = "https://jsonfeed.org/version/1.1"

# Where items go: before this, at the end of a document whose item list is empty.
ITEMS_END = b" ]\n}\n"
# An item's bytes end with this separator; in a document the last one has no comma.
_SEPARATOR = b",\n"


def head(fields: dict[str, Any]) -> bytes:
    """The document with these feed-level fields and no items."""
    text = json.dumps({"version": VERSION, **fields}, ensure_ascii=False, indent=1)
    return (text[: -len("\n}")] + ',\n "items": [\n ]\n}\n').encode()


def item(fields: dict[str, Any]) -> bytes:
    """One item's line, as a document holds it (with its separator)."""
    return b"  " + json.dumps(fields, ensure_ascii=False).encode() + _SEPARATOR


def splice(document_head: bytes, items: Sequence[bytes]) -> bytes:
    """The document: `head` with the items put into its list (the last one's comma dropped)."""
    if not items:
        return document_head
    cut = document_head.rindex(ITEMS_END)
    joined = b"".join(items)
    return b"".join((document_head[:cut], joined[: -len(_SEPARATOR)], b"\n", document_head[cut:]))


def size(head_length: int, items_length: int, count: int) -> int:
    """The length of a document from its head's and its `count` items' lengths."""
    return head_length + items_length - (1 if count else 0)  # the last item's comma


def feed_head(
    key: FeedKey, posts: Sequence[Post], settings: Settings, history: History = NO_HISTORY
) -> bytes:
    """The JSON Feed without items: the same title, links, description, language and author as
    the Atom and RSS documents of the feed. JSON Feed has no archives, but pages: `next_url`
    leads from the feed to its newest archive page, and from each page to the one before."""
    title = feed_title(key, settings)
    base, fmt = settings.feeds_base, FeedFormat.JSON
    fields: dict[str, object] = {
        "title": title,
        "home_page_url": settings.site_url,
        "feed_url": archive_url(base, history.archive, fmt)
        if history.archive
        else feed_url(base, key, fmt),
        "description": xml_safe(settings.site_description) or title,
        "authors": [{"name": xml_safe(settings.author_name)}],
    }
    if settings.language:
        fields["language"] = settings.language
    if settings.websub_hub:
        fields["hubs"] = [{"type": "WebSub", "url": settings.websub_hub}]
    if history.previous:
        fields["next_url"] = archive_url(base, history.previous, fmt)
    return head(fields)


def post_item(post: Post, body: Body, settings: Settings) -> bytes:
    """One post as a JSON Feed item: the id, link, dates, content and summary of its entries in
    the other formats, its categories and tags as `tags`."""
    fields: dict[str, object] = {"id": post.id, "url": post.url, "title": post.title}
    fields["content_html"] = body.html  # even when empty: an item must have some content
    if body.summary:
        fields["summary"] = body.summary_text
    fields["date_published"] = post.date.isoformat()
    fields["date_modified"] = post.updated.isoformat()
    if post.author:
        fields["authors"] = [{"name": post.author}]
    terms = list(dict.fromkeys([*post.entry_categories, *post.tags]))
    if terms:
        fields["tags"] = terms
    return item(fields)
