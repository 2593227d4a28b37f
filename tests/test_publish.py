"""The published set: compressed twins, stable Last-Modified, generations switched atomically."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import brotli
import pytest

from feedsvc.published.generations import (
    KEEP_GENERATIONS,
    Generations,
    GenerationWriter,
    publish_generation,
)
from feedsvc.published.manifest import CURRENT, GENERATIONS, MANIFEST, current_folder, read_manifest
from feedsvc.published.writers import (
    InPlaceWriter,
    PublishReport,
    Writer,
    publish_all,
    publish_in_place,
)

T0 = 1_700_000_000


def test_a_first_build_appears_all_at_once_and_a_failed_one_leaves_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site" / "feeds"
    writer = InPlaceWriter(out, T0)
    assert writer.fresh and writer.folder != out  # staged beside it, out of readers' sight
    writer.put("a.atom", b"<a/>")
    writer.abort()
    assert not out.exists()
    assert list((tmp_path / "site").iterdir()) == []

    out.mkdir()  # an empty folder is a first build too: nginx may already point at it
    report = publish_in_place(out, {"a.atom": b"<a/>", "tags/x.rss": b"<x/>"}, T0)
    assert report.written == 2
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["feeds"]
    assert (out / "tags/x.rss").read_bytes() == b"<x/>"
    assert (out / "a.atom").stat().st_mode & 0o777 == 0o644
    assert (out / "a.atom.br").stat().st_mtime == T0
    assert not InPlaceWriter(out, T0).fresh  # the next build replaces files one by one


@pytest.mark.parametrize("first", [True, False])
def test_files_are_readable_by_the_web_server_whatever_the_umask(
    tmp_path: Path, first: bool
) -> None:
    out = tmp_path / "out"
    if not first:
        publish_in_place(out, {"a.atom": b"<old/>"}, T0)
    script = (
        "import os, sys; from pathlib import Path; os.umask(0o077)\n"
        "from feedsvc.published.writers import publish_in_place\n"
        "publish_in_place(Path(sys.argv[1]), {'a.atom': b'<a/>'}, 1700000000)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(out)], check=True)
    for name in ("a.atom", "a.atom.gz", "a.atom.br"):
        assert (out / name).stat().st_mode & 0o777 == 0o644, name


def test_a_first_build_never_replaces_a_folder_filled_meanwhile(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    writer = InPlaceWriter(out, T0)
    writer.put("a.atom", b"<a/>")
    (out / "someone-elses.txt").write_text("keep me")  # between the start and the commit
    with pytest.raises(OSError, match="cannot move the new build into"):
        writer.commit()
    assert [p.name for p in out.iterdir()] == ["someone-elses.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_a_first_build_into_a_symlinked_folder_keeps_the_symlink(tmp_path: Path) -> None:
    real = tmp_path / "data" / "feeds"
    real.mkdir(parents=True)
    link = tmp_path / "feeds"
    link.symlink_to(real)
    publish_in_place(link, {"a.atom": b"<a/>"}, T0)
    assert link.is_symlink()
    assert (real / "a.atom").read_bytes() == b"<a/>"


def test_in_place_writes_twins_stamped_with_the_change_time(tmp_path: Path) -> None:
    report = publish_in_place(tmp_path, {"a.atom": b"<a/>", "tags/x.rss": b"<x/>"}, T0)
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)
    assert gzip.decompress((tmp_path / "a.atom.gz").read_bytes()) == b"<a/>"
    assert brotli.decompress((tmp_path / "tags/x.rss.br").read_bytes()) == b"<x/>"
    for name in ("a.atom", "a.atom.gz", "a.atom.br"):
        assert (tmp_path / name).stat().st_mtime == T0
    assert read_manifest(tmp_path)["a.atom"].changed == T0


def test_unchanged_bytes_keep_their_time_and_changed_ones_move_forward(tmp_path: Path) -> None:
    publish_in_place(tmp_path, {"a.atom": b"1", "b.atom": b"1"}, T0)
    report = publish_in_place(tmp_path, {"a.atom": b"1", "b.atom": b"2"}, T0)  # same second
    assert (report.written, report.unchanged) == (1, 1)
    manifest = read_manifest(tmp_path)
    assert manifest["a.atom"].changed == T0
    assert manifest["b.atom"].changed == T0 + 1  # never equal: If-Modified-Since must see it
    assert (tmp_path / "b.atom").stat().st_mtime == T0 + 1


def test_in_place_repairs_files_deleted_by_hand(tmp_path: Path) -> None:
    publish_in_place(tmp_path, {"a.atom": b"1"}, T0)
    (tmp_path / "a.atom.br").unlink()
    assert publish_in_place(tmp_path, {"a.atom": b"1"}, T0 + 5).written == 1
    assert (tmp_path / "a.atom.br").exists()
    assert read_manifest(tmp_path)["a.atom"].changed == T0  # same bytes: same Last-Modified


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", ".hidden", "a/../../b"])
def test_document_paths_may_not_leave_the_folder(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="leaves the published folder"):
        publish_in_place(tmp_path / "out", {path: b"x"}, T0)


def test_generations_switch_atomically_and_share_unchanged_files(tmp_path: Path) -> None:
    publish_generation(tmp_path, {"a.atom": b"1", "b.atom": b"1"}, T0)
    first = current_folder(tmp_path)
    assert first is not None and first.parent.name == GENERATIONS
    publish_generation(tmp_path, {"a.atom": b"1", "b.atom": b"2"}, T0 + 10)
    second = current_folder(tmp_path)
    assert second is not None and second != first
    assert (second / "a.atom").stat().st_ino == (first / "a.atom").stat().st_ino  # hard link
    assert (first / "b.atom").read_bytes() == b"1"  # the old generation is left complete
    assert (second / "b.atom").read_bytes() == b"2"
    assert os.readlink(tmp_path / CURRENT) == f"{GENERATIONS}/{second.name}"


def test_no_change_publishes_nothing(tmp_path: Path) -> None:
    publish_generation(tmp_path, {"a.atom": b"1"}, T0)
    before = current_folder(tmp_path)
    report = publish_generation(tmp_path, {"a.atom": b"1"}, T0 + 60)
    assert (report.written, report.unchanged) == (0, 1)
    assert current_folder(tmp_path) == before


def test_removed_documents_leave_the_next_generation(tmp_path: Path) -> None:
    publish_generation(tmp_path, {"a.atom": b"1", "gone.atom": b"1"}, T0)
    report = publish_generation(tmp_path, {"a.atom": b"1"}, T0 + 1)
    assert report.removed == 1
    folder = current_folder(tmp_path)
    assert folder is not None and not (folder / "gone.atom").exists()


def test_old_generations_are_pruned(tmp_path: Path) -> None:
    for n in range(6):
        publish_generation(tmp_path, {"a.atom": str(n).encode()}, T0 + n)
    kept = sorted(p.name for p in (tmp_path / GENERATIONS).iterdir() if p.name.isdigit())
    assert len(kept) == KEEP_GENERATIONS
    assert current_folder(tmp_path) == tmp_path / GENERATIONS / kept[-1]


def test_an_interrupted_publish_leaves_the_current_set_alone(tmp_path: Path) -> None:
    publish_generation(tmp_path, {"a.atom": b"1"}, T0)
    before = current_folder(tmp_path)

    class BoomError(Exception):
        pass

    class Exploding(dict[str, bytes]):
        def __getitem__(self, key: str) -> bytes:
            raise BoomError

    with pytest.raises(BoomError):
        publish_generation(tmp_path, Exploding({"a.atom": b"2", "b.atom": b"3"}), T0 + 1)
    assert current_folder(tmp_path) == before
    assert (before / "a.atom").read_bytes() == b"1"
    assert not list((tmp_path / GENERATIONS).glob(".new-*"))
    assert (before / MANIFEST).exists()


def test_leftovers_are_cleared_but_a_live_process_spare_is_not(tmp_path: Path) -> None:
    publish_generation(tmp_path, {"a.atom": b"1"}, T0)
    generations = tmp_path / GENERATIONS
    killed = generations / ".new-killed"
    killed.mkdir()
    dead_spare = generations / f".spare-00000001-{_dead_pid()}-x"
    dead_spare.mkdir()
    live_spare = generations / f".spare-00000001-{os.getppid()}-y"  # our parent is alive
    live_spare.mkdir()
    publish_generation(tmp_path, {"a.atom": b"2"}, T0 + 1)
    assert not killed.exists() and not dead_spare.exists()
    assert live_spare.exists()


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_a_spare_removed_by_another_publish_is_not_written_into(tmp_path: Path) -> None:
    """Another publish in this process clears leftovers, this spare among them, while its linker
    may still be at work (thousands of documents): the folder goes for good, and the owner then
    links afresh instead of writing into a folder that is gone or half full."""
    documents = {f"tag/{n % 40}/{n}.atom": b"1" for n in range(3000)}
    generations = Generations(tmp_path)
    publish_all(GenerationWriter(tmp_path, T0, generations=generations), documents)
    spare = next((tmp_path / GENERATIONS).glob(".spare-*"))
    publish_generation(tmp_path, documents, T0 + 1)  # nothing changes; leftovers go
    assert not spare.exists()
    assert generations.take_spare(current_folder(tmp_path)) is None
    writer = GenerationWriter(tmp_path, T0 + 2, generations=generations)
    publish_all(writer, {**documents, "b.atom": b"2"})
    published = current_folder(tmp_path)
    assert published is not None
    assert all((published / path).read_bytes() == b"1" for path in documents)  # linked
    assert set(read_manifest(published)) == {*documents, "b.atom"}


def test_closing_generations_removes_their_spare(tmp_path: Path) -> None:
    generations = Generations(tmp_path)
    publish_all(GenerationWriter(tmp_path, T0, generations=generations), {"a.atom": b"1"})
    assert list((tmp_path / GENERATIONS).glob(".spare-*"))
    generations.close()
    assert not list((tmp_path / GENERATIONS).glob(".spare-*"))
    assert generations.take_spare(current_folder(tmp_path)) is None


def _publish_with_alias(writer: Writer, documents: dict[str, bytes]) -> PublishReport:
    for path, data in documents.items():
        writer.put(path, data)
    writer.alias("feed.xml", "feed.atom")
    return writer.commit()


@pytest.mark.parametrize("kind", ["in place", "generations"])
def test_an_alias_is_the_same_document_linked_and_follows_it(tmp_path: Path, kind: str) -> None:
    """jekyll-feed's /feed.xml is feedsvc's feed.atom again: the same files (and twins), the same
    manifest entry (ETag, Last-Modified), replaced when the feed changes, kept when it does not."""

    def publish(data: bytes, now: int) -> tuple[Path, PublishReport]:
        if kind == "in place":
            writer: Writer = InPlaceWriter(tmp_path / "out", now)
        else:
            writer = GenerationWriter(tmp_path / "state", now)
        report = _publish_with_alias(writer, {"feed.atom": data, "index.html": b"<p>"})
        folder = tmp_path / "out" if kind == "in place" else current_folder(tmp_path / "state")
        assert folder is not None
        return folder, report

    first = b"<feed>" + b"x" * 2000 + b"</feed>"
    folder, report = publish(first, T0)
    manifest = read_manifest(folder)
    assert manifest["feed.xml"] == manifest["feed.atom"]
    for suffix in ("", ".gz", ".br"):
        alias, target = folder / f"feed.xml{suffix}", folder / f"feed.atom{suffix}"
        assert alias.stat().st_ino == target.stat().st_ino
    folder, report = publish(first, T0 + 1)
    assert report.written == 0  # nothing changed, the alias neither
    second = b"<feed>" + b"y" * 2000 + b"</feed>"
    folder, report = publish(second, T0 + 2)
    assert (folder / "feed.xml").read_bytes() == second
    assert gzip.decompress((folder / "feed.xml.gz").read_bytes()) == second
    assert read_manifest(folder)["feed.xml"] == read_manifest(folder)["feed.atom"]
