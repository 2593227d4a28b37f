"""The test oracle: every document of the URL layout rendered the plain way.

Each feed document is built whole by feedgen (JSON Feed: by render/json_feed.py), entries inside
it, with no splicing, no caches, no workers and no signatures; the size budget is found by
rendering and measuring. `feedsvc build` and the service's refresher must equal it byte for byte
(tests/test_build_identity.py), so it stays as simple as the thing it checks is not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from feedsvc.content.body import Body
from feedsvc.content.post import Post
from feedsvc.content.site_bodies import SiteBodies
from feedsvc.model.archives import (
    NO_HISTORY,
    History,
    archive_page_history,
    archive_pages_of,
    archive_path,
    feed_history,
)
from feedsvc.model.index import Index
from feedsvc.model.kinds import FeedKey
from feedsvc.model.layout import INDEX_PATH, OPML_PATHS, FeedFormat, feed_path, page_path
from feedsvc.render import json_feed
from feedsvc.render.feed_page import render_feed_page
from feedsvc.render.index_page import render_index_page
from feedsvc.render.opml import render_opml
from feedsvc.render.xml import feed_generator, fill_entry, serialize
from feedsvc.settings import Settings


def render_feed(
    key: FeedKey,
    posts: Sequence[Post],
    fmt: FeedFormat,
    settings: Settings,
    body_of: Callable[[Post], Body],
    history: History = NO_HISTORY,
) -> bytes:
    """The complete document for one feed (or one of its archive pages), entries in the given
    order (newest first), built entirely by feedgen (JSON Feed: by json_feed)."""
    if fmt is FeedFormat.JSON:
        items = [json_feed.post_item(post, body_of(post), settings) for post in posts]
        return json_feed.splice(json_feed.feed_head(key, posts, settings, history), items)
    fg = feed_generator(key, posts, fmt, settings, history)
    for post in posts:
        fill_entry(fg.add_entry(order="append"), post, body_of(post), settings)
    return serialize(fg, fmt)


def render_documents(index: Index, settings: Settings) -> dict[str, bytes]:
    """Every document of the URL layout for `index`, each built whole."""
    bodies: dict[Post, Body] = {}
    site = SiteBodies(settings)

    def body_of(post: Post) -> Body:
        if post not in bodies:
            bodies[post] = site.render([post])[0][0]  # (body, readable): a body, one post at a time
        return bodies[post]

    documents = {}
    for key, posts in index.feeds.items():
        pages = archive_pages_of(key, index.history, settings.archive_page_size)
        history = feed_history(pages, len(posts), index.totals[key])
        held = fitting(key, posts, settings, body_of, history)
        if len(held) < len(posts):
            history = dataclasses.replace(history, complete=False)
        for fmt in FeedFormat:
            documents[feed_path(key, fmt)] = render_feed(key, held, fmt, settings, body_of, history)
        held_bodies = [body_of(post) for post in held]
        documents[page_path(key)] = render_feed_page(key, held, held_bodies, settings)
        for page in pages:
            for fmt in FeedFormat:
                documents[archive_path(page, fmt)] = render_feed(
                    key, page.posts, fmt, settings, body_of, archive_page_history(pages, page)
                )
    for fmt, path in OPML_PATHS.items():
        documents[path] = render_opml(index, settings, fmt)
    documents[INDEX_PATH] = render_index_page(index, settings)
    return documents


def fitting(
    key: FeedKey,
    posts: list[Post],
    settings: Settings,
    body_of: Callable[[Post], Body],
    history: History,
) -> list[Post]:
    """The posts a feed's documents hold within max_feed_bytes, found by rendering: those that
    fit on their own, then the newest of them that fit in every format. A document holding fewer
    than all of them does not say it is complete."""
    budget = settings.max_feed_bytes
    if not budget:
        return posts
    partly = dataclasses.replace(history, complete=False)

    def size(held: list[Post], fmt: FeedFormat) -> int:
        said = history if len(held) == len(posts) else partly
        return len(render_feed(key, held, fmt, settings, body_of, said))

    def fits_alone(post: Post) -> bool:
        return all(
            len(render_feed(key, [post], fmt, settings, body_of, partly)) <= budget
            for fmt in FeedFormat
        )

    held = [post for post in posts if fits_alone(post)]
    count = len(held)
    for fmt in FeedFormat:
        while count and size(held[:count], fmt) > budget:
            count -= 1
    return held[:count]
