"""Hugo's rules: front matter in its three forms, the site configuration, what a post is, its
permalink, dates, drafts, taxonomies and feed paths, as Hugo 0.111 has them (each checked against
the real `hugo` while writing them; tests/test_hugo_sites.py compares whole sites with it)."""

from __future__ import annotations

import datetime as dt

import pytest

from feedsvc.content.matter import (
    FrontMatterError,
    NoFrontMatterError,
    body_only,
    split_front_matter,
)

# ---------------------------------------------------------------------------------------------
# Front matter: YAML `---`, TOML `+++`, JSON `{…}`


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: A\ndate: 2023-01-02\n---\nBody.\n",
        "+++\ntitle = 'A'\ndate = 2023-01-02\n+++\nBody.\n",
        '{\n  "title": "A",\n  "date": "2023-01-02"\n}\nBody.\n',
        '{"title": "A", "date": "2023-01-02"}\nBody.\n',  # on one line: Hugo reads it too
        '\n\n{"title": "A", "date": "2023-01-02", "nested": {"x": "}"}}\n\nBody.\n',
    ],
)
def test_the_three_forms_hugo_reads(text: str) -> None:
    meta, body = split_front_matter(text, hugo=True)
    assert meta["title"] == "A"
    assert str(meta["date"]) == "2023-01-02"
    assert body == "Body."
    assert body_only(text, hugo=True) == "Body."


def test_toml_values_keep_their_types() -> None:
    meta, _ = split_front_matter(
        "+++\ndate = 2023-01-02T10:00:00\nlocal = 2023-01-02\ntags = ['a', 'b']\n"
        "[params]\nx = 1\n+++\n",
        hugo=True,
    )
    assert meta["date"].isoformat() == "2023-01-02T10:00:00"  # local: read in the site's zone
    assert meta["local"] == dt.date(2023, 1, 2)
    assert meta["tags"] == ["a", "b"]
    assert meta["params"] == {"x": 1}


def test_toml_and_json_are_hugos_alone() -> None:
    """A plain folder or a Jekyll site reads YAML only: a file starting with `+++` or `{` is not
    a post there, as before."""
    for text in ("+++\ntitle = 'A'\n+++\nx", '{"title": "A"}\nx'):
        with pytest.raises(NoFrontMatterError, match="no YAML front matter"):
            split_front_matter(text)
    with pytest.raises(NoFrontMatterError, match="'\\+\\+\\+' \\(TOML\\) or '\\{' \\(JSON\\)"):
        split_front_matter("Just text.", hugo=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("+++\ntitle = \n+++\nx", "not valid TOML"),
        ("+++\ntitle = 'A'\nx", "no second '\\+\\+\\+' line"),
        ('{"title": "A",\nx', "not valid JSON"),
        ('{"title": ' + "[" * 100_000, "nests too deeply"),
        ("+++\na = " + "[" * 100_000 + "\n+++\nx", "nests too deeply"),
        ('{"a": [' + ", ".join(["[1, 2, 3]"] * 4000) + "]}\nx", "more than 10000 values"),
        ("[1, 2]\nx", "no front matter"),
    ],
)
def test_bad_toml_and_json_front_matter_say_why(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError, match=message):
        split_front_matter(text, hugo=True)
