"""The one exception hierarchy: every error feedsvc raises on purpose is a FeedsvcError."""

from __future__ import annotations

from pathlib import Path


class FeedsvcError(Exception):
    """Base class, so callers can catch everything feedsvc raises on purpose and nothing else."""


class ConfigError(FeedsvcError, ValueError):
    """A setting is unknown, of the wrong type or out of range; the message is one line."""


class RefreshError(FeedsvcError):
    """A refresh cannot publish: the last good feeds stay served and the reason is reported."""


class ContentUnavailableError(RefreshError):
    """The content directory is missing or cannot be listed (an unmount, a permission change)."""


class TooManyRemovedError(RefreshError):
    """More posts would disappear at once than max_removed_share allows: likely an unmount."""


class StateError(RefreshError):
    """A file of the state folder cannot be saved (a full disk, a damaged database): the refresh
    fails, and the next one saves it again."""


class DamagedSetError(RefreshError):
    """The generation being served lacks a file its manifest lists (deleted by hand, a cleanup
    gone wrong): documents cannot be linked from it, only written anew."""


class RefreshCancelledError(FeedsvcError):
    """The process is stopping; the refresh under way publishes nothing."""


class PostError(FeedsvcError, ValueError):
    """One file could not be read as a post; it is skipped and reported, never fatal.

    The message always names the file, so a log line or `feedsvc check` output is enough to fix it.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path  # the file as found under the content directory
        self.reason = reason  # why it was skipped, in words a writer understands

    def __reduce__(self) -> tuple[type[PostError], tuple[Path, str]]:
        """Pickle with both arguments: the catalog saves errors, and worker processes return them
        (the default would call PostError(message) and fail on loading)."""
        return (PostError, (self.path, self.reason))
