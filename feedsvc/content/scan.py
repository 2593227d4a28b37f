"""Find the files under a content directory that may be posts, without opening any of them."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.content.hugo import rules as hugo
from feedsvc.content.jekyll.rules import POST_EXTENSIONS, is_excluded, is_post_source, name_slug
from feedsvc.errors import PostError
from feedsvc.settings import Settings
from feedsvc.site_config import POSTS_FOLDER

POST_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")


# A file's identity as stat tells it, (mtime_ns, size, inode): when any part changes, the file is
# read again. A plain tuple: 100,000 are made and compared on every refresh.
Stamp = tuple[int, int, int]


@dataclass
class ScanResult:
    """What one walk of the content directory found."""

    # source (path below the root, with `/`) -> Stamp, or None where stat failed
    stamps: dict[str, Stamp | None] = field(default_factory=dict)
    errors: list[PostError] = field(default_factory=list)  # folders that could not be listed


def scan_site(settings: Settings) -> ScanResult:
    """scan by the site's rules: below a Hugo site's content folder only, else as the site
    rules say."""
    if settings.site_rules == "hugo":
        result = ScanResult()
        rules = hugo.site_rules(settings)
        content = settings.content_dir / rules.folder
        if not content.is_dir():
            return result  # no content yet: no posts (a site is made before its first page)
        exclusion = _Exclusion(settings.exclude)
        _walk_hugo(str(content), rules.folder + "/", exclusion, rules.ignores, True, result)
        return result
    return scan(settings.content_dir, settings.exclude, settings.site_rules == "jekyll")


def is_site_candidate(source: str, settings: Settings) -> bool:
    """Whether scan_site would list this source (a path below the root, with `/`)."""
    if settings.site_rules == "hugo":
        return hugo.is_post_source(source, settings) and not is_excluded(source, settings.exclude)
    return is_candidate(source, settings.exclude, settings.site_rules == "jekyll")


def scan(root: Path, exclude: Collection[str] = (), jekyll: bool = False) -> ScanResult:
    """Every name under root that looks like a post, with its stamp.

    Hidden files and folders and what `exclude` names are skipped. For a Jekyll site (`jekyll`)
    only dated files in `_posts` folders are posts, and other `_`-prefixed folders are not read
    (`_drafts`, `_site`, `_includes`...). Symlinked folders are not followed (they could loop or
    leave the content directory); anything named like a post is listed whatever it is, so that
    reading it can report a directory, FIFO or bad link by name. This runs on every refresh over
    every file (100,000 stats take a few tenths of a second), so it works on strings and
    directory descriptors rather than Path objects.
    """
    result = ScanResult()
    _walk(str(root), "", _Exclusion(exclude), jekyll, False, result)
    return result


class _Exclusion:
    """`exclude` entries sorted for speed, as this runs once per file: names and paths are set
    lookups (a path names a folder or file from the root; the walk never enters an excluded
    folder, so its contents need no check of their own), globs the slow way, if any."""

    def __init__(self, exclude: Collection[str]) -> None:
        entries = [entry.strip("/") for entry in exclude if entry.strip("/")]
        self.names = frozenset(e for e in entries if "/" not in e and not _is_glob(e))
        self.paths = frozenset(e for e in entries if "/" in e and not _is_glob(e))
        self.globs = [e for e in entries if _is_glob(e)]

    def __call__(self, name: str, source: str) -> bool:
        return (
            name in self.names
            or source in self.paths
            or bool(self.globs and is_excluded(source, self.globs))
        )


def _is_glob(entry: str) -> bool:
    return any(ch in entry for ch in "*?[")


def _walk(
    folder: str, prefix: str, exclude: _Exclusion, jekyll: bool, in_posts: bool, result: ScanResult
) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        result.errors.append(PostError(Path(folder), f"cannot list folder: {exc.strerror}"))
        return
    stamps, stat = result.stamps, os.stat  # locals: this loop runs once per file
    suffixes = POST_EXTENSIONS if jekyll else POST_SUFFIXES
    try:
        with os.scandir(descriptor) as entries:
            listed = list(entries)
        for entry in listed:
            name = entry.name
            if name[0] == "." or exclude(name, prefix + name):
                continue
            if name.lower().endswith(suffixes) and (not jekyll or in_posts):
                if jekyll and name_slug(name) is None:
                    continue  # Jekyll reads only dated names in _posts
                try:
                    info = stat(name, dir_fd=descriptor)  # through a symlink, without opening
                except OSError:  # a broken link or a loop: reading it will say which
                    stamps[prefix + name] = None
                else:
                    stamps[prefix + name] = (info.st_mtime_ns, info.st_size, info.st_ino)
            elif entry.is_dir(follow_symlinks=False):
                posts = in_posts or name == POSTS_FOLDER
                if jekyll and name[0] == "_" and not posts:
                    continue  # _drafts, _site, _layouts...: never posts in a Jekyll site
                _walk(
                    os.path.join(folder, name), f"{prefix}{name}/", exclude, jekyll, posts, result
                )
    except OSError as exc:
        result.errors.append(PostError(Path(folder), f"cannot list folder: {exc.strerror}"))
    finally:
        os.close(descriptor)


def _walk_hugo(
    folder: str,
    prefix: str,
    exclude: _Exclusion,
    ignores: Callable[[str], bool],
    top: bool,
    result: ScanResult,
) -> None:
    """_walk by Hugo's rules: every content file but `_index` ones; in a leaf bundle (a folder
    below the top holding an `index` file) that file alone, its other files and folders being
    the page's resources."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        result.errors.append(PostError(Path(folder), f"cannot list folder: {exc.strerror}"))
        return
    try:
        with os.scandir(descriptor) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
        names = {entry.name for entry in listed}
        bundle = [] if top else [n for n in _HUGO_BUNDLE_INDEXES if n in names]
        for entry in listed:
            name = entry.name
            if name[0] == "." or exclude(name, prefix + name) or (bundle and name != bundle[0]):
                continue
            if name.lower().endswith(hugo.CONTENT_SUFFIXES):
                if name.rsplit(".", 1)[0] != hugo.LIST_PAGE and not ignores(
                    os.path.join(folder, name)
                ):
                    _stamp(result, prefix + name, name, descriptor)
            elif entry.is_dir(follow_symlinks=False):
                path = os.path.join(folder, name)
                _walk_hugo(path, f"{prefix}{name}/", exclude, ignores, False, result)
    except OSError as exc:
        result.errors.append(PostError(Path(folder), f"cannot list folder: {exc.strerror}"))
    finally:
        os.close(descriptor)


_HUGO_BUNDLE_INDEXES = [hugo.BUNDLE_INDEX + suffix for suffix in hugo.CONTENT_SUFFIXES]


def _stamp(result: ScanResult, source: str, name: str, descriptor: int) -> None:
    try:
        info = os.stat(name, dir_fd=descriptor)  # through a symlink, without opening
    except OSError:  # a broken link or a loop: reading it will say which
        result.stamps[source] = None
    else:
        result.stamps[source] = (info.st_mtime_ns, info.st_size, info.st_ino)


def is_candidate(source: str, exclude: Collection[str] = (), jekyll: bool = False) -> bool:
    """Whether scan would list this source (a path below the root, with `/`)."""
    if jekyll:
        return is_post_source(source, exclude)
    parts = source.split("/")
    return (
        source.lower().endswith(POST_SUFFIXES)
        and not any(part.startswith(".") or part == "" for part in parts)
        and not is_excluded(source, exclude)
    )


def stat_stamp(path: Path) -> Stamp | None:
    """The stamp of one file (through a symlink), or None if it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)
