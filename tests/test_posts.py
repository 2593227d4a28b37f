"""Reading posts: Jekyll's front matter rules, and every kind of bad file reported by name."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from feedsvc.content.post import Post
from feedsvc.content.posts import read_post, read_post_and_body, read_posts_in_stages
from feedsvc.content.scan import scan
from feedsvc.content.slugs import slugify
from feedsvc.errors import PostError
from feedsvc.pipeline.build import read_posts

from .conftest import SAMPLE_NAME, MakeSettings, write_post

CST = dt.timezone(dt.timedelta(hours=8))


def test_sample_post(sample_dir: Path, make_settings: MakeSettings) -> None:
    post = read_post(sample_dir / SAMPLE_NAME, make_settings())
    assert post.title == "盛京银行上海分行发布助力复工复产15条专项金融服务方案及举措"
    assert post.date == dt.datetime(2022, 5, 30, 11, 16, 46, tzinfo=CST)
    assert post.date.utcoffset() == dt.timedelta(hours=8)
    assert post.categories == ("shanghaizhengquanbao·zhongguozhengquanwang",)
    assert post.tags == ("上海证券报·中国证券网新闻",)
    assert post.is_markdown
    assert post.url == (
        "https://news.example.com/shanghaizhengquanbao%C2%B7zhongguozhengquanwang"
        "/2022/05/30/000_115a54e5f9c4b57d.html"
    )
    assert post.id == post.url
    assert post.published


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2022-05-30 11:16:46 +0800", dt.datetime(2022, 5, 30, 11, 16, 46, tzinfo=CST)),
        ("2022-05-30T11:16:46+08:00", dt.datetime(2022, 5, 30, 11, 16, 46, tzinfo=CST)),
        ("2022-05-30T03:16:46Z", dt.datetime(2022, 5, 30, 3, 16, 46, tzinfo=dt.UTC)),
        ("2022-05-30 11:16:46 -0700", dt.datetime(2022, 5, 30, 18, 16, 46, tzinfo=dt.UTC)),
        # without a zone: the site's, UTC unless its configuration says otherwise
        ("2022-05-30 11:16:46", dt.datetime(2022, 5, 30, 11, 16, 46, tzinfo=dt.UTC)),
        ("2022-05-30", dt.datetime(2022, 5, 30, tzinfo=dt.UTC)),
        ('"2022-05-30 11:16"', dt.datetime(2022, 5, 30, 11, 16, tzinfo=dt.UTC)),
        # to the whole second, as RSS can say it: every format gives the same instant
        ("2022-05-30 11:16:46.5 +08:00", dt.datetime(2022, 5, 30, 11, 16, 46, tzinfo=CST)),
    ],
)
def test_date_forms(
    content_dir: Path, make_settings: MakeSettings, written: str, expected: dt.datetime
) -> None:
    path = write_post(content_dir, "p.md", f"title: T\ndate: {written}")
    assert read_post(path, make_settings()).date == expected


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York", "Pacific/Chatham"])
def test_date_without_zone_takes_the_site_zone(
    content_dir: Path, make_settings: MakeSettings, zone: str
) -> None:
    path = write_post(content_dir, "p.md", "title: T\ndate: 2022-07-01 12:00:00")
    date = read_post(path, make_settings(timezone=zone)).date
    assert date.utcoffset() == dt.datetime(2022, 7, 1, 12, tzinfo=date.tzinfo).utcoffset()
    assert (date.hour, date.minute) == (12, 0)
    assert str(date.tzinfo) == zone


def test_date_from_file_name_then_mtime(content_dir: Path, make_settings: MakeSettings) -> None:
    named = write_post(content_dir, "2021-03-04-hello.md", "title: T")
    post = read_post(named, make_settings())
    assert post.date == dt.datetime(2021, 3, 4, tzinfo=dt.UTC)
    assert post.url == "https://news.example.com/2021/03/04/hello.html"
    plain = write_post(content_dir, "plain.md", "title: T")
    os.utime(plain, (1_600_000_000, 1_600_000_000))
    assert read_post(plain, make_settings()).date == dt.datetime.fromtimestamp(
        1_600_000_000, dt.UTC
    )


def test_touching_a_file_never_changes_its_id(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    for name, front_matter in [
        ("dated.md", "title: T\ndate: 2022-01-01"),
        ("undated.md", "title: U"),
    ]:
        path = write_post(content_dir, name, front_matter)
        os.utime(path, (1_600_000_000, 1_600_000_000))
        before = read_post(path, make_settings())
        os.utime(path, (1_700_000_000, 1_700_000_000))
        after = read_post(path, make_settings())
        assert before.id == after.id, name


@pytest.mark.parametrize(
    ("category", "segment"),
    [
        # Dot-only names would climb out of the site, even encoded (`/a/%2E%2E/b` is `/b` to a
        # browser): they get their category feed's hashed slug instead.
        (".", "3a52ce7809"),
        ("..", "9d891e731f"),
        ("...", "6eae3a5b06"),
        # Every other name keeps its segment.
        ("a..", "a.."),
        (".hidden", ".hidden"),
        ("%2E%2E", "%252e%252e"),
        ("News Today", "news%20today"),
    ],
)
def test_no_permalink_holds_a_dot_only_segment(
    content_dir: Path, make_settings: MakeSettings, category: str, segment: str
) -> None:
    path = write_post(content_dir, "2022-01-02-post.md", f"title: T\ncategories: ['{category}']")
    post = read_post(path, make_settings())
    assert post.url == f"https://news.example.com/{segment}/2022/01/02/post.html"
    if set(category) == {"."}:
        assert segment == slugify(category)


def test_explicit_id_and_permalink(content_dir: Path, make_settings: MakeSettings) -> None:
    path = write_post(
        content_dir,
        "p.md",
        "title: T\ndate: 2022-01-01\nid: urn:uuid:1234\npermalink: /about/我的/",
    )
    post = read_post(path, make_settings())
    assert post.id == "urn:uuid:1234"
    assert post.url == "https://news.example.com/about/%E6%88%91%E7%9A%84/"
    # An id that is not a URI is made one below the site, as jekyll-feed does: Atom ids are IRIs
    guid = write_post(content_dir, "g.md", "title: T\ndate: 2022-01-01\nguid: 42")
    assert read_post(guid, make_settings()).id == "https://news.example.com/42"
    tag = write_post(content_dir, "t.md", "title: T\ndate: 2022-01-01\nid: tag:x.org,2020:7")
    assert read_post(tag, make_settings()).id == "tag:x.org,2020:7"


@pytest.mark.parametrize(
    ("front_matter", "categories", "tags"),
    [
        ("categories: a b  c\ntags: x y", ("a", "b", "c"), ("x", "y")),
        ("categories: [a b, c]\ntags:\n  - A股/港股\n  - 2022", ("a b", "c"), ("A股/港股", "2022")),
        ("category: Hello World\ntag: Fed 加息", ("Hello World",), ("Fed 加息",)),
        ("category: one\ncategories: two three", ("one",), ()),
        ("categories: [a, a, b, a]\ntags: x x", ("a", "b"), ("x",)),
        ("categories: []\ntags: ''", (), ()),
        ("categories: REITs·港股", ("REITs·港股",), ()),
    ],
)
def test_categories_and_tags_as_jekyll_splits_them(
    content_dir: Path,
    make_settings: MakeSettings,
    front_matter: str,
    categories: tuple[str, ...],
    tags: tuple[str, ...],
) -> None:
    path = write_post(content_dir, "p.md", f"title: T\ndate: 2022-01-01\n{front_matter}")
    post = read_post(path, make_settings())
    assert (post.categories, post.tags) == (categories, tags)


def test_bom_and_crlf_publish(content_dir: Path, make_settings: MakeSettings) -> None:
    path = content_dir / "windows.md"
    path.write_bytes(
        "\ufeff---\r\ntitle: 标题\r\ndate: 2022-01-01\r\ntags: a b\r\n---\r\nLine one\r\n".encode()
    )
    post, body = read_post_and_body(path, make_settings())
    assert (post.title, post.tags, body) == ("标题", ("a", "b"), "Line one")


def test_forbidden_xml_characters_are_removed(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    path = write_post(
        content_dir,
        "p.md",
        'title: "A\\x00B\\x0bC\\x85D"\ndate: 2022-01-01\ntags: "x\\x1fy"',
        "a\x01b\x7fc\x9fd",
    )
    post, body = read_post_and_body(path, make_settings())
    assert (post.title, post.tags, body) == ("ABCD", ("xy",), "abcd")


def test_published_false_is_read_but_not_published(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    path = write_post(content_dir, "p.md", "title: T\ndate: 2022-01-01\npublished: false")
    assert read_post(path, make_settings()).published is False


def _bad_files(folder: Path, outside: Path) -> dict[str, str]:
    """Create one bad file per case; return name -> expected reason (a substring)."""
    cases = {
        "broken-yaml.md": ("---\ntitle: [unclosed\n---\n", "front matter is not valid YAML"),
        "no-title.md": ("---\ndate: 2022-01-01\n---\nx", "no title"),
        "list-title.md": ("---\ntitle: [a, b]\n---\nx", "title must be text, got list"),
        "number-title.md": ("---\ntitle: 2022\n---\nx", "title must be text, got int"),
        "bad-date.md": ("---\ntitle: T\ndate: next tuesday-ish\n---\n", "date: unreadable date"),
        "impossible-date.md": ("---\ntitle: T\ndate: 2022-02-30 10:00:00\n---\n", "out of range"),
        "empty.md": ("", "empty file"),
        "only-dashes.md": ("---\n---\n", "front matter is empty"),
        "no-front-matter.md": ("Just text.\n", "no YAML front matter"),
        "unclosed.md": ("---\ntitle: half\ndate: 2022-", "front matter is not closed"),
        "python-tag.md": (
            "---\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\n---\n",
            "could not determine a constructor",
        ),
        "alias-bomb.md": (
            "---\ntitle: T\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n---\n",
            "more than 10000 values",
        ),
        "deep.md": (  # our guard or libyaml's own limit (PyYAML 6.0.4+), whichever trips first
            "---\ntitle: T\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\n",
            "nest",
        ),
        "many-tags.md": (
            "---\ntitle: T\ntags: " + " ".join(f"t{i}" for i in range(5000)) + "\n---\n",
            "5000 tags: at most 100",
        ),
        "dict-tag.md": ("---\ntitle: T\ntags: [{a: 1}]\n---\n", "tags: each name must be text"),
    }
    for name, (text, _) in cases.items():
        (folder / name).write_text(text, encoding="utf-8")
    reasons = {name: reason for name, (_, reason) in cases.items()}
    (folder / "latin1.md").write_bytes("---\ntitle: café\n---\n".encode("latin-1"))
    reasons["latin1.md"] = "not UTF-8 text (byte 0xe9 at offset 14)"
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    reasons["binary.txt"] = "binary file"
    (folder / "x.md").mkdir()
    reasons["x.md"] = "is a directory"
    (folder / "loop.md").symlink_to(folder / "loop.md")
    reasons["loop.md"] = "symlink loop"
    secret = outside / "secret.md"
    secret.write_text("---\ntitle: secret\n---\n")
    (folder / "escape.md").symlink_to(secret)
    reasons["escape.md"] = "symlink points outside the content directory"
    os.mkfifo(folder / "pipe.md")
    reasons["pipe.md"] = "is a FIFO"
    with (folder / "huge.md").open("wb") as f:
        f.write(b"---\ntitle: huge\n---\n")
        f.truncate(50 * 1024 * 1024)
    reasons["huge.md"] = "file is 52,428,800 bytes, over the limit of 10,485,760"
    return reasons


def test_every_bad_file_is_reported_and_the_good_ones_still_read(
    tmp_path: Path, content_dir: Path, make_settings: MakeSettings
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    reasons = _bad_files(content_dir, outside)
    write_post(content_dir, "good.md", "title: Good\ndate: 2022-01-01")
    write_post(content_dir, "sub/also-good.html", "title: Also good\ndate: 2022-01-02", "<p>x</p>")
    result = read_posts(make_settings())
    assert sorted(p.title for p in result.posts) == ["Also good", "Good"]
    reported = {error.path.name: error.reason for error in result.bad}
    assert reported.keys() == reasons.keys()
    for name, reason in reasons.items():
        assert reason in reported[name], (name, reported[name])
        assert isinstance(next(e for e in result.bad if e.path.name == name), ValueError)
    assert not Path("/tmp/pwned").exists()


def test_reading_in_stages_gives_what_reading_one_by_one_gives(
    tmp_path: Path, content_dir: Path, make_settings: MakeSettings
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    _bad_files(content_dir, outside)
    write_post(content_dir, "good.md", "title: Good\ndate: 2022-01-01")
    write_post(content_dir, "sub/also-good.html", "title: Also good\ndate: 2022-01-02", "<p>x</p>")
    settings = make_settings()
    paths = sorted(content_dir / source for source in scan(content_dir).stamps)
    one_by_one: list[Post | str] = []
    for path in paths:
        try:
            one_by_one.append(read_post(path, settings))
        except PostError as exc:
            one_by_one.append(str(exc))
    in_stages = [
        r if isinstance(r, Post) else str(r) for r in read_posts_in_stages(paths, settings)
    ]
    assert in_stages == one_by_one
    assert sum(isinstance(r, str) for r in in_stages) > 10


def test_hidden_drafts_and_other_extensions_are_skipped(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    for name in [".hidden.md", ".git/x.md", "_drafts/draft.md", "notes.rst", "image.png", "a.md"]:
        write_post(content_dir, name, "title: T\ndate: 2022-01-01")
    result = read_posts(make_settings())
    assert [p.source for p in result.posts] == ["a.md"]
    assert result.bad == []


def test_symlink_inside_the_content_directory_is_read(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    target = write_post(content_dir, "real.md", "title: Real\ndate: 2022-01-01")
    (content_dir / "alias.md").symlink_to(target)
    result = read_posts(make_settings())
    assert sorted(p.source for p in result.posts) == ["alias.md", "real.md"]


def test_post_error_names_the_file(content_dir: Path, make_settings: MakeSettings) -> None:
    path = write_post(content_dir, "p.md", "date: 2022-01-01")
    with pytest.raises(PostError) as caught:
        read_post(path, make_settings())
    assert str(caught.value) == f"{path}: no title: front matter needs `title: ...`"
    assert caught.value.path == path
