"""Fixtures shared by the tests: settings, content directories, a clock, and output checkers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import feedparser
import lxml.etree
import pytest
from prometheus_client.parser import text_string_to_metric_families

from feedsvc.settings import EXAMPLE_CONTENT, Settings, load_settings

from .jsonfeeds import read_json_feed

TESTS = Path(__file__).parent
REPO = TESTS.parent
SAMPLE_NAME = "000_115a54e5f9c4b57d.txt"
SAMPLE_POST = EXAMPLE_CONTENT / SAMPLE_NAME
SAMPLE_TITLE = "盛京银行上海分行发布助力复工复产15条专项金融服务方案及举措"
# A fixed "now" after every generated post except the future-dated ones (2090 and later).
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ATOM_SCHEMA = lxml.etree.RelaxNG(lxml.etree.parse(str(TESTS / "data" / "atom.rng")))

MakeSettings = Callable[..., Settings]


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """An empty content directory."""
    path = tmp_path / "content"
    path.mkdir()
    return path


SAMPLE_SITE_CONFIG = """\
lang: zh-CN
timezone: Asia/Shanghai
feedsvc:
  site_rules: plain
"""


@pytest.fixture
def sample_dir(content_dir: Path) -> Path:
    """A content directory holding only the real sample post, unchanged, and its site's
    configuration: its language and time zone, and its posts in a plain folder."""
    shutil.copy(SAMPLE_POST, content_dir / SAMPLE_NAME)
    (content_dir / "_config.yml").write_text(SAMPLE_SITE_CONFIG, encoding="utf-8")
    return content_dir


@pytest.fixture
def make_settings(content_dir: Path) -> MakeSettings:
    """Settings for `content_dir` (no config file, no environment), with overrides."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "content_dir": content_dir,
            "site_url": "https://news.example.com/",
        }
        values.update(overrides)
        return load_settings(env={}, overrides=values)

    return make


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    return make_settings()


def write_post(folder: Path, name: str, front_matter: str, body: str = "Body text.") -> Path:
    """Write a post file: front matter lines between `---` lines, then the body."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter.strip()}\n---\n{body}\n", encoding="utf-8")
    return path


def parse_feed(data: bytes) -> feedparser.FeedParserDict:
    """Parse a document with feedparser and fail on anything it found wrong (a JSON Feed: check
    it against JSON Feed 1.1 and show it as feedparser would)."""
    if data.startswith(b"{"):
        return read_json_feed(data)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def assert_valid_atom(data: bytes) -> None:
    """RFC 4287's RELAX NG grammar, plus the two rules it cannot express."""
    tree = lxml.etree.fromstring(data)
    assert ATOM_SCHEMA.validate(tree), ATOM_SCHEMA.error_log
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed_has_author = bool(tree.findall("a:author", ns))
    for entry in tree.findall("a:entry", ns):
        assert feed_has_author or entry.findall("a:author", ns)
        assert entry.findall("a:content", ns) or entry.findall("a:link[@rel='alternate']", ns)


def read_metrics(text: str) -> dict[str, float]:
    """Every sample of a /metrics page, parsed by prometheus-client, keyed the way Prometheus
    writes them: `name{label="value",...}` with the labels sorted, or `name` alone."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples
