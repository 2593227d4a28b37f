"""What every rendering of a feed (Atom, RSS, JSON Feed, its page) says about the feed itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from feedsvc.content.jekyll.rules import feed_title as jekyll_feed_title
from feedsvc.content.post import Post
from feedsvc.content.text import xml_safe
from feedsvc.model.kinds import FeedKey, FeedKind
from feedsvc.settings import Settings

# The `updated` of a feed with no entries: fixed, so an empty feed's bytes never change either.
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def feed_title(key: FeedKey, settings: Settings) -> str:
    """The title that names the feed's category or tag."""
    template = {
        FeedKind.SITE: "{site_title}",
        FeedKind.CATEGORY: settings.category_feed_title,
        FeedKind.TAG: settings.tag_feed_title,
    }[key.kind]
    site_title = settings.site_title
    if settings.site_rules == "jekyll":  # as jekyll-feed shows it: `site.title | smartify`
        site_title = jekyll_feed_title(site_title)
    return xml_safe(template.format(name=key.name, site_title=site_title))


def feed_updated(posts: Sequence[Post]) -> dt.datetime:
    """The feed's own `updated`: its newest entry's, never the clock's, so bytes stay put."""
    return max((post.updated for post in posts), default=EMPTY_FEED_UPDATED)
