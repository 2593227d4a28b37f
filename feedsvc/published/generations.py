"""The service's published set: generations of a state folder, one switched to at a time.

`GenerationWriter` publishes a complete new folder per change, then switches the `current` symlink
with one rename, so a reader sees the old set or the new set, never a mix. Unchanged documents are
hard links to the previous generation (same inode, same mtime), made by a thread while the
service idles (`Generations`' spare copy) or while the refresh renders.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from feedsvc.errors import DamagedSetError
from feedsvc.published.disk import write_manifest
from feedsvc.published.manifest import (
    CURRENT,
    GENERATIONS,
    SUFFIXES,
    DocumentInfo,
    current_folder,
    read_manifest,
)
from feedsvc.published.writers import PublishReport, WriterBase, publish_all

KEEP_GENERATIONS = 3  # the current one and two before it, for readers still holding them


class Generations:
    """The generations folder of one state folder, as one process publishes into it: owns the
    spare copy of the current generation that this process linked (the next refresh that changes
    something writes into it). Only spares this object linked are trusted: one left on disk by a
    killed process may be partial."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir / GENERATIONS
        self._spare: tuple[Path, _Linker, str] | None = None  # folder, its linker, its source

    def prepare_spare(self, source: Path, paths: list[str]) -> None:
        """Start linking a copy of generation `source`, for the next publish to write into."""
        self.close()
        prefix = f".spare-{source.name}-{os.getpid()}-"
        folder = Path(tempfile.mkdtemp(dir=self.folder, prefix=prefix))
        self._spare = (folder, _Linker(source, folder, paths, threading.Event()), source.name)

    def take_spare(self, current: Path | None) -> Path | None:
        """The complete spare copy of `current`, handed over to the caller; or None."""
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        folder, linker, source = spare
        try:
            linker.finish()
        except (OSError, DamagedSetError):
            return None  # removed with the other leftovers
        if current is None or current.name != source or not folder.is_dir():
            return None  # stale, or removed as a leftover by another publish of this process
        return folder

    def put_back(self, folder: Path, linker: _Linker, source: str) -> None:
        """Take back a spare that a publish took and wrote nothing into."""
        self._spare = (folder, linker, source)

    def close(self) -> None:
        """Remove the spare, if any: when this process will publish no more (the web server's
        first publish), nobody else may use it, and it holds a link to every file."""
        spare, self._spare = self._spare, None
        if spare is not None:
            folder, linker, _ = spare
            linker.stop.set()
            with contextlib.suppress(Exception):
                linker.finish()
            shutil.rmtree(folder, ignore_errors=True)


class GenerationWriter(WriterBase):
    """Publishes a complete new generation of a state folder, switched to in one rename at commit.

    Until commit, nothing a reader can see changes; abort (or a crash) leaves `current` as it was.
    Unchanged documents are hard links to the previous generation (same inode, same mtime). After
    each commit a thread links the new generation into a spare folder while the service idles, so
    the next refresh that changes something starts from a complete copy; without a spare, a
    thread links as the refresh renders. A document that changes is written over its link (a new
    inode; the old one is untouched).
    """

    def __init__(
        self,
        state_dir: Path,
        now: int,
        known: tuple[Path, dict[str, DocumentInfo]] | None = None,
        generations: Generations | None = None,
        link: bool = True,
    ) -> None:
        """`known`: a generation and its manifest the caller holds (from the last commit), used
        instead of reading the manifest again when it is still the current one. `generations`:
        the owner of the spare copies (a refresher keeps one for its life); by default this
        writer's own, so its spare is not used by another publish. `link=False`: the current
        generation lacks files (DamagedSetError): every document is written anew, none linked
        from it; unchanged bytes keep their Last-Modified all the same."""
        super().__init__(now)
        self.state_dir = state_dir
        self._generations = generations or Generations(state_dir)
        self.current = current_folder(state_dir)
        self.fresh = self.current is None
        if known is not None and known[0] == self.current:
            self.previous = known[1]
        else:
            self.previous = read_manifest(self.current) if self.current else {}
        self.committed: tuple[Path, dict[str, DocumentInfo]] | None = None  # after a switch
        self.pruning: threading.Thread | None = None  # removing old generations, after commit
        folder = self._generations.folder
        folder.mkdir(parents=True, exist_ok=True)
        spare = self._generations.take_spare(self.current) if link else None
        if not link:
            self._generations.close()  # linked from the damaged generation: lacks files too
        for leftover in (*folder.glob(".new-*"), *folder.glob(".spare-*"), *folder.glob(".gone-*")):
            if leftover != spare and not _owned_by_another_live_process(leftover):
                _remove(leftover)  # a killed publish, a stale spare
        self._stop_linking = threading.Event()
        self._from_spare = spare is not None
        self._write_all = not link
        if spare is not None:
            self.folder = spare
            self._linking = _Linker(None, spare, [], self._stop_linking)
        else:
            self.folder = Path(tempfile.mkdtemp(dir=folder, prefix=".new-"))
            source, previous = (self.current, list(self.previous)) if link else (None, [])
            self._linking = _Linker(source, self.folder, previous, self._stop_linking)

    def _must_write(self, path: str, info: DocumentInfo, changed: bool) -> bool:
        return changed or self._write_all

    def _alias_in_place(self, path: str, info: DocumentInfo) -> bool:
        return not self._write_all  # else linked from the damaged generation: not in place

    def served(self) -> tuple[Path, dict[str, DocumentInfo]] | None:
        """The generation being served and its manifest, as this writer read them (or was
        told): what the next writer may be given as `known` when this one switched nothing."""
        return (self.current, self.previous) if self.current is not None else None

    def commit(self) -> PublishReport:
        """Switch `current` to the new generation, unless nothing changed at all."""
        gone = self.previous.keys() - self._infos.keys()
        written = len(self._writes) + len(self._aliases)
        report = PublishReport(written, len(self._infos) - written, len(gone), tuple(self._writes))
        if self.current is not None and not written and not gone:
            self.abort()
            return report
        try:
            self._linking.finish()
            self._background.finish()
            self._infos.update((path, write.result()) for path, write in self._writes.items())
            self._link_aliases()
            for path in gone:  # linked with the rest, but no longer published
                for suffix in SUFFIXES:
                    with contextlib.suppress(FileNotFoundError):  # not linked: written anew
                        (self.folder / (path + suffix)).unlink()
            write_manifest(self.folder, self._infos)
            report = self._report(len(gone))
            generations = self.state_dir / GENERATIONS
            final = generations / _next_generation_name(generations)
            self.folder.chmod(0o755)
            os.rename(self.folder, final)
        except BaseException:
            self.abort()
            raise
        _switch(self.state_dir, final)
        self.committed = (final, self._infos)
        # Old generations go in the background: readers may still hold them for a moment, and
        # deleting thousands of files should not delay the next refresh.
        self.pruning = threading.Thread(target=_prune, args=(generations, final), daemon=True)
        self.pruning.start()
        self._generations.prepare_spare(final, list(self._infos))
        return report

    def _report(self, gone: int) -> PublishReport:
        """What this publish did, once every write is done. Documents written anew with the
        bytes they had (link=False) count as unchanged: no reader, and no hub, sees them change."""
        paths = [*self._writes, *self._aliases]
        same = {p for p in paths if (old := self.previous.get(p)) and old == self._infos[p]}
        changed = tuple(p for p in self._writes if p not in same)
        written = len(paths) - len(same)
        return PublishReport(written, len(self._infos) - written, gone, changed)

    def abort(self) -> None:
        """Throw the unfinished generation away (a spare nothing was written into is kept)."""
        if self._from_spare and not self._writes and self.current is not None:
            with contextlib.suppress(Exception):
                self._background.finish()
            self._generations.put_back(self.folder, self._linking, self.current.name)
            return
        self._stop_linking.set()
        with contextlib.suppress(Exception):  # the error that made us abort is the one to report
            self._linking.finish()
        with contextlib.suppress(Exception):
            self._background.finish()
        shutil.rmtree(self.folder, ignore_errors=True)


def publish_generation(state_dir: Path, documents: Mapping[str, bytes], now: int) -> PublishReport:
    """Publish `documents` as a new generation and switch `current` to it, atomically; nothing is
    written when nothing changed. Returns once old generations are pruned too."""
    generations = Generations(state_dir)
    writer = GenerationWriter(state_dir, now, generations=generations)
    try:
        report = publish_all(writer, documents)
    finally:
        generations.close()
    if writer.pruning is not None:
        writer.pruning.join()
    return report


def _remove(folder: Path) -> None:
    """Remove a leftover folder. It is renamed first, all at once: a thread of this process may
    still be linking into it (another publish's spare), and must fail rather than fill a folder
    that is half gone."""
    gone = folder.with_name(f".gone-{os.getpid()}-{threading.get_ident()}-{folder.name}")
    try:
        os.rename(folder, gone)
    except FileNotFoundError:
        return
    except OSError:
        gone = folder
    shutil.rmtree(gone, ignore_errors=True)


def _owned_by_another_live_process(folder: Path) -> bool:
    """A spare of another running process (`.spare-<generation>-<pid>-…`): not ours to delete."""
    parts = folder.name.split("-")
    if not folder.name.startswith(".spare-") or len(parts) < 4 or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Linker:
    """Hard-links documents (and their twins) from one generation into the next on a thread of its
    own: thousands per refresh, so plain strings and one mkdir per folder. A document already
    written into the new generation is left as it is."""

    def __init__(
        self, source: Path | None, target: Path, paths: list[str], stop: threading.Event
    ) -> None:
        self.error: BaseException | None = None
        self.stop = stop
        self.thread = threading.Thread(
            target=self._run, args=(source, target, paths, stop), name="feedsvc-link", daemon=True
        )
        if source is not None:
            self.thread.start()

    def finish(self) -> None:
        """Wait until every link is made; raise what went wrong, if anything did."""
        if self.thread.is_alive() or self.thread.ident is not None:
            self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(
        self, source: Path | None, target: Path, paths: list[str], stop: threading.Event
    ) -> None:
        made: set[str] = set()
        old, new = str(source), str(target)
        try:
            for path in paths:
                if stop.is_set():
                    return
                folder = os.path.dirname(path)
                if folder not in made:
                    _make_folders(new, folder)
                    made.add(folder)
                for suffix in SUFFIXES:
                    try:
                        os.link(f"{old}/{path}{suffix}", f"{new}/{path}{suffix}")
                    except FileExistsError:  # written anew meanwhile
                        pass
                    except FileNotFoundError as exc:
                        if os.path.isdir(old) and not os.path.lexists(f"{old}/{path}{suffix}"):
                            raise DamagedSetError(f"{old} lacks {path}{suffix}") from exc
                        raise
        except BaseException as exc:  # noqa: BLE001 - handed to the committing thread
            self.error = exc


def _make_folders(root: str, folder: str) -> None:
    """Make `folder` and its parents under `root`, which must exist (unlike `os.makedirs`): a
    spare removed meanwhile is an error for its linker, never made again half full."""
    path = root
    for part in folder.split("/") if folder else ():
        path = os.path.join(path, part)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)


def _next_generation_name(generations: Path) -> str:
    numbers = [int(p.name) for p in generations.iterdir() if p.name.isdigit()]
    return f"{max(numbers, default=0) + 1:08d}"


def _switch(state_dir: Path, folder: Path) -> None:
    """Point `current` at folder with one rename, which readers see happen all at once."""
    temporary = state_dir / f".{CURRENT}-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(folder.relative_to(state_dir))
    os.replace(temporary, state_dir / CURRENT)


def _prune(generations: Path, keep: Path) -> None:
    """Remove old generations, keeping the newest few."""
    numbered = sorted((p for p in generations.iterdir() if p.name.isdigit()), key=lambda p: p.name)
    for old in numbered[:-KEEP_GENERATIONS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
