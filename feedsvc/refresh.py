"""Scan, read, index, render and publish, once: what `feedsvc build` runs."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.body import Body, render_body
from feedsvc.errors import PostError
from feedsvc.feeds import render_feed
from feedsvc.index import Index, build_index
from feedsvc.layout import OPML_PATH, FeedFormat, feed_path
from feedsvc.opml import render_opml
from feedsvc.posts import Post, read_post
from feedsvc.publish import PublishReport, publish
from feedsvc.scan import scan
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total), called often: keep it cheap


def _no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: says nothing."""


@dataclass
class ReadResult:
    """Every post that could be read, and every file that could not, with why."""

    posts: list[Post] = field(default_factory=list)
    bad: list[PostError] = field(default_factory=list)
    files: int = 0  # candidate files seen


@dataclass(frozen=True)
class BuildReport:
    """What one build did: the figures of its summary line."""

    files: int  # candidate files seen
    posts: int  # posts visible in feeds
    feeds: int  # feeds (site, categories, tags), each in every format
    bad: list[PostError]  # files skipped, and posts left out of the index, with the reason
    published: PublishReport
    seconds: float


def read_posts(settings: Settings, progress: Progress = _no_progress) -> ReadResult:
    """Read every post under the content directory; a bad file is reported, never fatal."""
    found = scan(settings.content_dir, settings.exclude)
    result = ReadResult(bad=list(found.errors), files=len(found.paths))
    for number, path in enumerate(found.paths, 1):
        try:
            result.posts.append(read_post(path, settings))
        except PostError as exc:
            result.bad.append(exc)
            logger.warning("skipped %s", exc)
        else:
            logger.debug("read %s", path)
        progress("reading posts", number, len(found.paths))
    return result


def render_documents(
    index: Index, settings: Settings, progress: Progress = _no_progress
) -> dict[str, bytes]:
    """Every document of the URL layout: each feed in each format, and the OPML list."""
    bodies: dict[str, Body] = {}

    def body_of(post: Post) -> Body:
        if post.source not in bodies:  # a post in many feeds is rendered once
            bodies[post.source] = render_body(post, settings.excerpt_length)
        return bodies[post.source]

    documents: dict[str, bytes] = {}
    for number, (key, posts) in enumerate(index.feeds.items(), 1):
        for fmt in FeedFormat:
            documents[feed_path(key, fmt)] = render_feed(key, posts, fmt, settings, body_of)
        progress("rendering feeds", number, len(index.feeds))
    documents[OPML_PATH] = render_opml(index, settings)
    return documents


def build(
    settings: Settings, out_dir: Path, now: dt.datetime, progress: Progress = _no_progress
) -> BuildReport:
    """Build every feed from the content directory into out_dir, as of `now`."""
    started = time.perf_counter()
    read = read_posts(settings, progress)
    index = build_index(read.posts, now, settings.item_limit, settings.future)
    for problem in index.problems:
        logger.warning("left out %s", problem)
    documents = render_documents(index, settings, progress)
    published = publish(out_dir, documents)
    report = BuildReport(
        files=read.files,
        posts=index.visible,
        feeds=len(index.feeds),
        bad=read.bad + index.problems,
        published=published,
        seconds=time.perf_counter() - started,
    )
    logger.info(
        "built %d posts from %d files: %d feeds, %d documents written, %d unchanged, "
        "%d removed, %d bad files, %.2f s",
        report.posts,
        report.files,
        report.feeds,
        published.written,
        published.unchanged,
        published.removed,
        len(report.bad),
        report.seconds,
    )
    return report
