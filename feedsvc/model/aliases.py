"""Where a feed is also published besides its own URL: the paths readers of a site's earlier
feeds are subscribed to, each the very same document, so moving costs no subscriber:
jekyll-feed's `/feed.xml`, `/feed/<category>.xml`, `/feed/by_tag/<tag>.xml` (Atom), Hugo's
`/index.xml`, `/<section>/index.xml`, `/<taxonomy>/<term>/index.xml` (RSS)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from feedsvc.content.post import Post
from feedsvc.model.kinds import SITE_FEED, FeedKey, FeedKind
from feedsvc.model.layout import FeedFormat, document_url, feed_path, is_feed
from feedsvc.settings import Settings

CATEGORY_ALIAS_FOLDER = "feed/"  # jekyll-feed's category feeds: feed/<name>.xml
# jekyll-feed gives a tag a feed only when its name is this simple (it keeps the path simple).
_SIMPLE_TAG = re.compile(r"[A-Za-z0-9_]+")


def feed_aliases(settings: Settings, keys: Iterable[FeedKey]) -> dict[str, str]:
    """Alias path -> the Atom document it repeats, for the feeds in `keys`. An alias shaped like
    one of feedsvc's own feed paths is left out: a feed's own document is never replaced."""
    aliases: dict[str, str] = {}
    site_feed = feed_path(SITE_FEED, FeedFormat.ATOM)
    for path in settings.site_feed_aliases:
        aliases[path.strip("/")] = site_feed
    categories = set(settings.category_feed_aliases)
    folder = settings.tag_feed_alias_folder.strip("/")
    only, never = set(settings.tag_feed_aliases_only), set(settings.tag_feed_aliases_except)
    for key in keys if categories or folder else ():  # every refresh: skip when none can match
        if "/" in key.name or "\\" in key.name or key.name.startswith("."):
            continue  # never a path of its own: jekyll-feed would write outside its folder
        if key.kind is FeedKind.CATEGORY and key.name in categories:
            aliases[f"{CATEGORY_ALIAS_FOLDER}{key.name}.xml"] = feed_path(key, FeedFormat.ATOM)
        elif (
            key.kind is FeedKind.TAG
            and folder
            and _SIMPLE_TAG.fullmatch(key.name)
            and (not only or key.name in only)
            and key.name not in never
        ):
            aliases[f"{folder}/{key.name}.xml"] = feed_path(key, FeedFormat.ATOM)
    return {alias: target for alias, target in aliases.items() if not is_feed(alias)}


def rss_aliases(settings: Settings, feeds: Mapping[FeedKey, Sequence[Post]]) -> dict[str, str]:
    """Alias path -> the RSS document it repeats: the site's RSS at `site_rss_aliases`, and on
    a Hugo site each category and tag feed where Hugo published it, as its posts remember
    (Post.earlier_feeds: a section's `posts/index.xml`, a term's `tags/go/index.xml`). A path
    shaped like one of feedsvc's own feeds is left out."""
    aliases = {
        path.strip("/"): feed_path(SITE_FEED, FeedFormat.RSS) for path in settings.site_rss_aliases
    }
    if settings.site_rules == "hugo":  # only a Hugo site's posts carry paths: skip the loop else
        for key, posts in feeds.items():
            if key.kind is FeedKind.SITE:
                continue
            target = feed_path(key, FeedFormat.RSS)
            for post in posts:
                for kind, name, path in post.earlier_feeds:
                    if name == key.name and kind is key.kind and _inside(path):
                        aliases.setdefault(path, target)
    return {alias: target for alias, target in aliases.items() if not is_feed(alias)}


def _inside(path: str) -> bool:
    """Whether a path a post names stays inside the published set: no empty, `.`, `..` or
    hidden segment (a term named `../../x` must not be written outside it)."""
    return all(part and not part.startswith(".") for part in path.split("/"))


def earlier_feed_id(settings: Settings, key: FeedKey) -> str | None:
    """The URL of the feed's first alias, its Atom id: jekyll-feed identified the feed by that
    URL, and an Atom feed keeps its id for life. None for a feed without an alias."""
    target = feed_path(key, FeedFormat.ATOM)
    for alias, aliased in feed_aliases(settings, [key]).items():
        if aliased == target:
            return document_url(settings.feeds_base, alias)
    return None
