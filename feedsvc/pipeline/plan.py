"""What a render does and in which order: the work items, and the steps that render them.

A refresh finds the documents whose signature changed (pipeline/renderer.py); each is a
`StaleDocument`. The stale renditions of one feed or archive page share its entries, so they go
together as a `DocumentGroup`. `plan_steps` orders the work into steps for the workers: batches of
entries, each rendered about when the documents that need it first are, and batches of
documents, each after the entries it waits for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any, NamedTuple

from feedsvc.content.post import Post
from feedsvc.model.archives import History, archive_path
from feedsvc.model.kinds import FeedKey
from feedsvc.model.layout import FeedFormat, Rendition, document_path
from feedsvc.model.polling import polling_hints
from feedsvc.render.assembler import Entries
from feedsvc.settings import Settings
from feedsvc.state.catalog import fingerprint
from feedsvc.workers import batched

Progress = Callable[[str, int, int], None]  # (stage, done, total), called often: keep it cheap


def no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: says nothing."""


ENTRY_BATCH = 50  # posts per step handed to a worker
DOCUMENT_BATCH = 8  # feeds per step (each in every stale rendition)
ARCHIVE_PAGE_BATCH = 2  # archive pages per task (each in every stale format)
ARCHIVE_RENDITIONS: list[Rendition] = list(FeedFormat)  # an archive page has no page for people


class StaleDocument(NamedTuple):
    """One document to render: one rendition of a feed or of one of its archive pages."""

    key: FeedKey  # the feed
    posts: list[Post]  # what it holds (before the size budget)
    rendition: Rendition
    history: History  # what it says of its history (which archive page it is, if one)


class DocumentGroup(NamedTuple):
    """The stale renditions of one feed or archive page, rendered together from its entries."""

    key: FeedKey
    posts: list[Post]
    history: History
    renditions: list[Rendition]


class AssemblyJob(NamedTuple):
    """A DocumentGroup as handed to a worker: with its posts' entries, so the worker does not
    look them up in memory it shares with the parent (reference counts are writes: it would copy
    every page it touched, hundreds of MB at 100,000 posts)."""

    key: FeedKey
    posts: list[Post]
    renditions: list[Rendition]
    entries: list[Entries]
    history: History


class StepKind(Enum):
    """What a step renders."""

    ENTRIES = "entries"  # its items are posts: render each one's entries
    DOCUMENTS = "documents"  # its items are DocumentGroups: assemble each one's documents


class PlannedStep(NamedTuple):
    """One step of the plan."""

    kind: StepKind
    items: Sequence[Any]  # posts for ENTRIES, DocumentGroups for DOCUMENTS
    after: int  # the position of the step whose results it needs, or -1


def output_path(key: FeedKey, rendition: Rendition, history: History) -> str:
    """Where a document goes: one of the feed's own, or one of its archive pages."""
    if history.archive is not None and isinstance(rendition, FeedFormat):
        return archive_path(history.archive, rendition)
    return document_path(key, rendition)


def group_by_document(stale: Iterable[StaleDocument]) -> list[DocumentGroup]:
    """The stale renditions of each feed or archive page together: they share its entries."""
    renditions: dict[tuple[FeedKey, int], list[Rendition]] = {}
    documents: dict[tuple[FeedKey, int], tuple[list[Post], History]] = {}
    for key, posts, rendition, history in stale:
        which = (key, history.archive.number if history.archive else 0)
        renditions.setdefault(which, []).append(rendition)
        documents[which] = (posts, history)
    return [DocumentGroup(key, *documents[(key, n)], held) for (key, n), held in renditions.items()]


def posts_of(groups: Iterable[DocumentGroup]) -> set[Post]:
    """Every post some of these documents hold."""
    return {post for group in groups for post in group.posts}


class Signer:
    """Signatures: everything a document's bytes depend on, hashed. Settings, version and
    polling hints go in once; then the feed's name, what it says of its history (archive page,
    previous page, completeness), and its entries."""

    def __init__(self, settings: Settings) -> None:
        self.base = hashlib.sha1(fingerprint(settings).encode(), usedforsecurity=False)
        # The refresh interval only changes how the service runs, except for the polling hints
        # that documents carry.
        self.base.update(repr(polling_hints(settings)).encode())

    def document(self, key: FeedKey, posts: list[Post], history: History) -> str:
        """The signature of a feed's documents, or an archive page's."""
        digest = self.base.copy()
        digest.update(f"{key.kind}\0{key.name}\0{_said(history)}\0".encode())
        for post in posts:
            digest.update(f"{post.source}\0{post.digest}\0{post.id}\0".encode())
        return digest.hexdigest()

    def feed_list(self, keys: Iterable[FeedKey]) -> str:
        """The signature of the OPML lists: they change only when the set of feeds does."""
        digest = self.base.copy()
        digest.update("\0".join(f"{key.kind}/{key.name}" for key in keys).encode())
        return digest.hexdigest()


def _said(history: History) -> str:
    """What a document says of its history, as far as its bytes go."""
    page, before = history.archive, history.previous
    return "/".join(
        (
            f"archive {page.number}" if page else "",
            f"previous {before.number}" if before else "",  # always a full page
            "complete" if history.complete else "",
        )
    )


def plan_steps(stale: list[StaleDocument], cached: Iterable[Post]) -> list[PlannedStep]:
    """The steps that render the stale documents: batches of DOCUMENT_BATCH documents in feed
    order, and before them batches of the entries they need that are not `cached` and that no
    earlier document needed (ENTRY_BATCH posts a batch, gathered over as many documents as it
    takes to fill one). Entries are thus rendered about when they are first needed, and a build
    holds few at a time. Documents come a group of entries after the entries they wait for, so
    the workers render those while the results come back."""
    seen = set(cached)
    plan: list[PlannedStep] = []
    new: list[Post] = []
    waiting: list[Sequence[DocumentGroup]] = []
    ready: list[tuple[list[Sequence[DocumentGroup]], int]] = []  # documents, the entries' step

    def flush() -> None:
        plan.extend(PlannedStep(StepKind.ENTRIES, b, -1) for b in batched(new, ENTRY_BATCH))
        for documents, after in ready:
            plan.extend(PlannedStep(StepKind.DOCUMENTS, chunk, after) for chunk in documents)
        ready[:] = [(list(waiting), len(plan) - 1)]
        new.clear()
        waiting.clear()

    for chunk in batched(group_by_document(stale), DOCUMENT_BATCH):
        held = dict.fromkeys(post for group in chunk for post in group.posts)
        new.extend(post for post in held if post not in seen)
        seen.update(new)
        waiting.append(chunk)
        if len(new) >= ENTRY_BATCH:
            flush()
    flush()  # the last entries, and the documents of the group before
    flush()  # the last group's documents: they come one group after their entries
    return plan
