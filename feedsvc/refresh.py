"""Scan, read, index, render and publish, once: what `feedsvc build` and the service run."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.body import Body, render_body
from feedsvc.errors import PostError
from feedsvc.feeds import render_feed
from feedsvc.index import Index, build_index
from feedsvc.layout import INDEX_PATH, OPML_PATH, STATUS_PATH, FeedFormat, feed_path
from feedsvc.opml import render_opml
from feedsvc.pages import render_index_page
from feedsvc.posts import Post, read_post
from feedsvc.publish import PublishReport, atomic_write, publish_generation, publish_in_place
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
    documents[INDEX_PATH] = render_index_page(index, settings)
    return documents


def build(
    settings: Settings, out_dir: Path, now: dt.datetime, progress: Progress = _no_progress
) -> BuildReport:
    """Build every feed from the content directory into out_dir, as of `now`, file by file."""
    return _run(
        settings, now, progress, lambda docs: publish_in_place(out_dir, docs, _seconds(now))
    )


def refresh(settings: Settings, now: dt.datetime, progress: Progress = _no_progress) -> BuildReport:
    """Publish a new generation of the service's set in settings.state_dir, as of `now`, and
    record the outcome in its status file."""
    state_dir = settings.state_dir
    report = _run(
        settings, now, progress, lambda docs: publish_generation(state_dir, docs, _seconds(now))
    )
    write_status(state_dir, report, now)
    return report


def write_status(state_dir: Path, report: BuildReport, now: dt.datetime) -> None:
    """What /status.json shows: the last refresh and every bad file with its reason."""
    status = {
        "posts": report.posts,
        "feeds": report.feeds,
        "files": report.files,
        "last_refresh": {
            "finished_at": now.astimezone(dt.UTC).isoformat(),
            "seconds": round(report.seconds, 3),
            "written": report.published.written,
            "unchanged": report.published.unchanged,
            "removed": report.published.removed,
        },
        "bad_files": [{"path": str(e.path), "reason": e.reason} for e in report.bad],
    }
    state_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(state_dir / STATUS_PATH, json.dumps(status, ensure_ascii=False, indent=1).encode())


def _seconds(now: dt.datetime) -> int:
    return int(now.timestamp())


def _run(
    settings: Settings,
    now: dt.datetime,
    progress: Progress,
    publish: Callable[[dict[str, bytes]], PublishReport],
) -> BuildReport:
    started = time.perf_counter()
    read = read_posts(settings, progress)
    index = build_index(read.posts, now, settings.item_limit, settings.future)
    for problem in index.problems:
        logger.warning("left out %s", problem)
    documents = render_documents(index, settings, progress)
    published = publish(documents)
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
