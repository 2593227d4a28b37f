"""Real Hugo as the reference for bodies: the HTML Hugo writes for a page's Markdown, shortcodes
and summary, and the stored cases the tests compare feedsvc's with.

Each folder under tests/data/hugo-bodies/ is one site: its `hugo.toml` (the `[markup]` and
`[params]` tables the pages are rendered with) and pairs `NAME.md` (a page, front matter
included) and `NAME.html` (what Hugo 0.111.3 wrote for it: `.Content`, then, after a line
`@@@ summary @@@`, `.Summary`). Chroma's token colour spans are taken out of the stored HTML,
the one thing feedsvc leaves out on purpose (see docs/hugo-bodies-notes.md). To write the
`.html` files again from the `.md` files with the `hugo` installed here:

    python -m tests.hugo_pages
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from feedsvc.content.hugo.shortcodes import ShortcodePage
from feedsvc.content.hugo.summary import HugoBody, is_cjk_language, render_hugo_body
from feedsvc.content.markup.chroma import HighlightOptions
from feedsvc.content.markup.markdown import goldmark_options, render_markdown

from .system import require

HUGO_PACKAGE = "hugo"
CASES = Path(__file__).parent / "data" / "hugo-bodies"
SUMMARY_MARK = "\n@@@ summary @@@\n"  # not a comment: Go templates drop those
# What each page is rendered with: its content, then its summary, as one file.
_SINGLE = "{{ .Content }}" + SUMMARY_MARK + "{{ .Summary }}"
# A Chroma token's span: colour (noClasses) or class, around text only. The spans Hugo wraps
# lines, line numbers and highlighted lines in stay.
_TOKEN = re.compile(
    r'<span (?:style="(?!display:flex|white-space:pre)[^"]*"'
    r'|class="(?!line\b|cl\b|ln\b|lnt\b|hl\b)[^"]*")>([^<]*)</span>'
)


@dataclass(frozen=True)
class Case:
    """One stored page: where it is, its source, and the HTML Hugo wrote for it."""

    site: Path  # the folder: its hugo.toml, its pages
    name: str
    source: str  # the page's file, front matter included
    html: str  # the stored .Content
    summary: str  # the stored .Summary


def site_config(site: Path) -> dict[str, Any]:
    return tomllib.loads((site / "hugo.toml").read_text(encoding="utf-8"))


def page_for(case: Case) -> tuple[ShortcodePage, str]:
    """The case as feedsvc sees it: its page (front matter, the site's params, privacy and
    Markdown, refs to the site's other pages as Hugo links them) and the text to render."""
    config = site_config(case.site)
    options = goldmark_options(config.get("markup", {}))
    _, front, body = case.source.split("---\n", 2)
    names = {page.stem for page in case.site.glob("*.md")}

    def ref(target: str) -> str | None:
        name = target.removesuffix(".md").removeprefix("/").removeprefix("posts/")
        return f"https://example.org/posts/{name}/" if name in names else None

    page = ShortcodePage(
        source=f"posts/{case.name}.md",
        params=yaml.safe_load(front),
        site_params=config.get("params", {}),
        permalink=f"https://example.org/posts/{case.name}/",
        ref=ref,
        markdown=lambda text: render_markdown(text, options),
        highlight=options.goldmark.highlight if options.goldmark else HighlightOptions(),
        privacy=config.get("privacy", {}),
        first_line=front.count("\n") + 3,
    )
    return page, body


def feedsvc_body(case: Case) -> HugoBody:
    """What feedsvc makes of the case's page: its content and summary."""
    page, body = page_for(case)
    config = site_config(case.site)
    cjk = is_cjk_language(page.params, config.get("hasCJKLanguage", False), case.source)
    return render_hugo_body(body, page, config.get("summaryLength", 70), cjk)


def cases() -> list[Case]:
    """Every stored case, site by site."""
    found = []
    for page in sorted(CASES.glob("*/*.md")):
        stored = page.with_suffix(".html")
        html, _, summary = stored.read_text(encoding="utf-8").partition(SUMMARY_MARK)
        source = page.read_text(encoding="utf-8")
        found.append(Case(page.parent, page.stem, source, html, summary))
    return found


@functools.cache  # found once per session; a skip is raised again on every call
def hugo_program() -> str:
    """The `hugo` program; otherwise skip (fail under REQUIRE_SYSTEM_PROGRAMS=1)."""
    return require("hugo", HUGO_PACKAGE)


def hugo_version() -> str:
    found = subprocess.run([hugo_program(), "version"], capture_output=True, text=True, check=True)
    return found.stdout.split()[1]


def render_with_hugo(site: Path, pages: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Build a site with `site`'s hugo.toml (and layouts/shortcodes/, if any) and `pages`
    (name -> file) under content/posts/, and return each page's (.Content, .Summary) as
    Hugo writes them, token colour spans taken out."""
    program = hugo_program()
    with tempfile.TemporaryDirectory(prefix="hugo-pages-") as folder:
        root = Path(folder)
        (root / "content" / "posts").mkdir(parents=True)
        (root / "layouts" / "_default").mkdir(parents=True)
        config = (site / "hugo.toml").read_text(encoding="utf-8")
        (root / "hugo.toml").write_text(config, encoding="utf-8")
        (root / "layouts" / "_default" / "single.html").write_text(_SINGLE, encoding="utf-8")
        (root / "layouts" / "_default" / "list.html").write_text("", encoding="utf-8")
        own = site / "shortcodes"
        if own.is_dir():
            (root / "layouts" / "shortcodes").mkdir()
            for template in own.iterdir():
                (root / "layouts" / "shortcodes" / template.name).write_bytes(template.read_bytes())
        for name, text in pages.items():
            (root / "content" / "posts" / f"{name}.md").write_text(text, encoding="utf-8")
        subprocess.run(
            [program, "--quiet", "-s", str(root), "-d", str(root / "public")],
            check=True,
            capture_output=True,
        )
        written = {}
        for name in pages:
            out = root / "public" / "posts" / name.lower() / "index.html"
            html, _, summary = out.read_text(encoding="utf-8").partition(SUMMARY_MARK)
            written[name] = (without_token_colours(html), without_token_colours(summary))
        return written


def without_token_colours(html: str) -> str:
    """Hugo's HTML without Chroma's token spans (their text stays)."""
    previous = None
    while previous != html:
        previous, html = html, _TOKEN.sub(r"\1", html)
    return html


def _write_all() -> None:
    """Write each case's .html file from its .md file with the `hugo` installed here."""
    for site in sorted(CASES.glob("*/")):
        pages = {page.stem: page.read_text(encoding="utf-8") for page in site.glob("*.md")}
        for name, (html, summary) in render_with_hugo(site, pages).items():
            (site / f"{name}.html").write_text(html + SUMMARY_MARK + summary, encoding="utf-8")
    sys.stdout.write(f"written with Hugo {hugo_version()}\n")


if __name__ == "__main__":
    _write_all()
