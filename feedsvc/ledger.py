"""The id ledger: an entry keeps the id it was first published with, whatever changes later.

Without a front matter `id`, a post's id is its permalink, which moves when its title, date or
categories change or when the permalink pattern does. A reader would then show the post twice. The
ledger remembers, per file, the id each post was first published with and gives it back.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from feedsvc.posts import Post
from feedsvc.publish import atomic_write

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class IdLedger:
    """source (path relative to the content directory) -> the id first published for it."""

    ids: dict[str, str] = dataclasses.field(default_factory=dict)
    changed: bool = False  # something was recorded since loading

    def apply(self, posts: Iterable[Post]) -> list[Post]:
        """The posts with their first-published ids (front matter ids are kept as written)."""
        result = []
        for post in posts:
            first = self.ids.get(post.source)
            if first is not None and first != post.id and not post.id_is_explicit:
                post = dataclasses.replace(post, id=first)
            result.append(post)
        return result

    def record(self, published: Iterable[Post]) -> None:
        """Remember the ids of posts that are now in feeds."""
        for post in published:
            if not post.id_is_explicit and post.source not in self.ids:
                self.ids[post.source] = post.id
                self.changed = True


def load_ledger(path: Path) -> IdLedger:
    """The saved ledger; an unreadable one is reported and replaced, never fatal."""
    try:
        ids = json.loads(path.read_bytes())
    except FileNotFoundError:
        return IdLedger()
    except (OSError, ValueError) as exc:
        logger.error("cannot read the id ledger %s (%s): ids will follow permalinks", path, exc)
        return IdLedger()
    return IdLedger({str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {})


def save_ledger(path: Path, ledger: IdLedger) -> None:
    """Write the ledger atomically, if it changed."""
    if ledger.changed:
        atomic_write(path, json.dumps(ledger.ids, ensure_ascii=False, sort_keys=True).encode())
        ledger.changed = False
