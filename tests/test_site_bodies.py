"""A site's bodies as the site shows them (content/site_bodies.py): excerpts by the site's rule,
Liquid and kramdown for a Jekyll site, content left out when only excerpts are published."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsvc.content.posts import read_post
from feedsvc.content.site_bodies import SiteBodies
from feedsvc.settings import Settings, load_settings


def _site(tmp_path: Path, config: str, files: dict[str, str]) -> Settings:
    site = tmp_path / "site"
    site.mkdir()
    if config:
        (site / "_config.yml").write_text(config, encoding="utf-8")
    for source, text in files.items():
        (site / source).parent.mkdir(parents=True, exist_ok=True)
        (site / source).write_text(text, encoding="utf-8")
    return load_settings(env={}, overrides={"content_dir": site, "site_url": "https://s.example/"})


def _summary(settings: Settings, source: str) -> str:
    post = read_post(settings.content_dir / source, settings)
    return SiteBodies(settings).render([post])[0][0].summary


JEKYLL_POST = (
    "---\ntitle: T\n---\nFirst [part][ref] of {{ page.title }}.\n\nSecond part.\n\n"
    "[ref]: https://example.org/ref\n"
)


def test_a_jekyll_excerpt_is_the_text_before_the_first_blank_line_rendered(
    tmp_path: Path,
) -> None:
    settings = _site(tmp_path, "title: S\n", {"_posts/2023-01-01-a.md": JEKYLL_POST})
    assert _summary(settings, "_posts/2023-01-01-a.md") == "First part of T."  # link ref kept


@pytest.mark.parametrize(
    ("config", "front_matter", "expected"),
    [
        ("excerpt_separator: <!--more-->\n", "", "One. Two."),  # the site's marker
        (
            "excerpt_separator: <!--more-->\n",
            "excerpt_separator: '<!-- cut -->'\n",
            "One. Two. Three.",
        ),
        ("", "excerpt: Written, **as is**\n", "Written, **as is**"),  # never rendered, never cut
        ("", "description: Described.\nexcerpt: Not this.\n", "Described."),  # jekyll-feed's order
    ],
)
def test_jekyll_excerpt_rules(
    tmp_path: Path, config: str, front_matter: str, expected: str
) -> None:
    body = "One.\nTwo.\n<!--more-->\nThree.\n\n<!-- cut -->\n\nFour.\n"
    text = f"---\ntitle: T\n{front_matter}---\n{body}"
    settings = _site(tmp_path, "title: S\n" + config, {"_posts/2023-01-01-a.md": text})
    assert _summary(settings, "_posts/2023-01-01-a.md") == expected


def test_a_jekyll_post_without_its_separator_is_its_own_excerpt(tmp_path: Path) -> None:
    text = "---\ntitle: T\n---\nOne.\n<!--more-->\nTwo.\n"
    settings = _site(
        tmp_path, "excerpt_separator: '<!-- cut -->'\n", {"_posts/2023-01-01-a.md": text}
    )
    assert _summary(settings, "_posts/2023-01-01-a.md") == "One. Two."


def test_a_plain_folder_uses_the_separator_only_when_set(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: 2023-01-01\n---\nOne.\n\nTwo.\n\n<!--more-->\n\nThree.\n"
    settings = _site(tmp_path, "", {"a.md": text})
    assert _summary(settings, "a.md") == "One."  # the first paragraph
    separated = load_settings(
        env={}, overrides={"content_dir": settings.content_dir, "excerpt_separator": "<!--more-->"}
    )
    assert _summary(separated, "a.md") == "One. Two."


def test_excerpt_only_publishes_no_content(tmp_path: Path) -> None:
    config = "title: S\nfeed:\n  excerpt_only: true\n"
    settings = _site(tmp_path, config, {"_posts/2023-01-01-a.md": JEKYLL_POST})
    post = read_post(settings.content_dir / "_posts/2023-01-01-a.md", settings)
    body, readable = SiteBodies(settings).render([post])[0]
    assert (body.html, body.summary, readable) == ("", "First part of T.", True)


def test_a_jekyll_body_has_its_liquid_and_kramdown_rendered(tmp_path: Path) -> None:
    text = (
        '---\ntitle: "Ada\'s post"\n---\nSee [the other]({% post_url 2023-01-01-other %}) '
        "and {{ site.repository }}.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    files = {
        "_posts/2023-01-02-post.md": text,
        "_posts/2023-01-01-other.md": "---\ntitle: Other\n---\nx\n",
    }
    settings = _site(tmp_path, "title: S\nrepository: ada/site\npermalink: pretty\n", files)
    post = read_post(settings.content_dir / "_posts/2023-01-02-post.md", settings)
    html = SiteBodies(settings).render([post])[0][0].html
    assert 'href="https://s.example/2023/01/01/other/"' in html
    assert "ada/site" in html and "{{" not in html and "{%" not in html
    assert "<table>" in html and "<td>1</td>" in html


def test_a_body_that_cannot_be_read_again_goes_out_empty(tmp_path: Path) -> None:
    settings = _site(tmp_path, "title: S\n", {"_posts/2023-01-01-a.md": JEKYLL_POST})
    post = read_post(settings.content_dir / "_posts/2023-01-01-a.md", settings)
    (settings.content_dir / "_posts/2023-01-01-a.md").unlink()
    body, readable = SiteBodies(settings).render([post])[0]
    assert (body.html, readable) == ("", False)


@pytest.mark.parametrize(
    "argument", ["2023-01-01-other", "notes/2023-01-01-other", "/notes/2023-01-01-other"]
)
@pytest.mark.parametrize("place", ["_posts/notes", "notes/_posts"])
def test_post_url_finds_a_post_as_jekyll_does(tmp_path: Path, argument: str, place: str) -> None:
    """`dir/name` is in `dir/_posts` or in `_posts/dir`; a leading `/` is ignored; a bare name
    is directly in a `_posts` folder (the site's, or one folder down)."""
    files = {
        "_posts/2023-01-02-post.md": f"---\ntitle: P\n---\n[o]({{% post_url {argument} %}})\n",
        f"{place}/2023-01-01-other.md": "---\ntitle: Other\n---\nx\n",
    }
    settings = _site(tmp_path, "title: S\npermalink: /:title/\n", files)
    post = read_post(settings.content_dir / "_posts/2023-01-02-post.md", settings)
    html = SiteBodies(settings).render([post])[0][0].html
    found = not (argument == "2023-01-01-other" and place == "_posts/notes")  # nested: no
    assert ('href="https://s.example/other/"' in html) is found


def test_a_configuration_broken_after_start_up_does_not_stop_rendering(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """_config.yml is read at start-up; broken later, a body still renders (its `site.*`
    variables empty) and the log says why."""
    text = "---\ntitle: T\n---\nBy {{ site.repository }}.\n"
    settings = _site(tmp_path, "title: S\nrepository: ada/site\n", {"_posts/2023-01-01-a.md": text})
    (settings.content_dir / "_config.yml").write_text("title: [broken\n", encoding="utf-8")
    post = read_post(settings.content_dir / "_posts/2023-01-01-a.md", settings)
    body, readable = SiteBodies(settings).render([post])[0]
    assert readable and body.html == "<p>By .</p>\n"
    assert "cannot read the site configuration" in caplog.text
