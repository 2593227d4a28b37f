"""Reading JSON Feed 1.1 in tests: validated against the spec's fields and types, then seen through
the same names feedparser gives Atom and RSS (feedparser 6.0 does not read JSON Feed), so one test
can check every format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
from feedparser import FeedParserDict

SCHEMA = json.loads((Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def read_json_feed(data: bytes) -> FeedParserDict:
    """The document as feedparser would show it, after checking it against JSON Feed 1.1."""
    document = json.loads(data)  # UTF-8 bytes: json detects the encoding, as RFC 8259 asks
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in VALIDATOR.iter_errors(document)
    ]
    assert not errors, errors
    links = [{"rel": "self", "href": document["feed_url"]}] if "feed_url" in document else []
    links += [{"rel": "alternate", "href": document["home_page_url"]}]
    links += [{"rel": "hub", "href": hub["url"]} for hub in document.get("hubs", [])]
    if "next_url" in document:
        links.append({"rel": "next", "href": document["next_url"]})
    feed = FeedParserDict(
        title=document["title"],
        subtitle=document.get("description"),
        language=document.get("language"),
        author=_author(document),
        links=[FeedParserDict(link) for link in links],
    )
    return FeedParserDict(feed=feed, entries=[_entry(item) for item in document["items"]])


def _entry(item: dict[str, Any]) -> FeedParserDict:
    entry = FeedParserDict(
        id=item["id"],
        link=item.get("url"),
        title=item.get("title"),
        content=[FeedParserDict(value=item.get("content_html", ""), type="text/html")],
        tags=[FeedParserDict(term=tag) for tag in item.get("tags", [])],
    )
    if "summary" in item:
        entry["summary"] = item["summary"]
    for name, field in (("published", "date_published"), ("updated", "date_modified")):
        if field in item:
            entry[name] = item[field]
            entry[f"{name}_parsed"] = (
                dt.datetime.fromisoformat(item[field]).astimezone(dt.UTC).timetuple()
            )
    author = _author(item)
    if author is not None:
        entry["author"] = author
    return entry


def _author(thing: dict[str, Any]) -> str | None:
    authors = thing.get("authors") or []
    return authors[0].get("name") if authors else None
