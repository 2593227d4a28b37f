"""A Hugo post's content and summary as Hugo 0.111 makes `.Content`, `.Summary` and `.Truncated`:
the part before `<!--more-->`, else the front matter's `summary`, else the first `summaryLength`
words of the content's text, run on to the end of a sentence."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from feedsvc.content.hugo.go_html import strip_html
from feedsvc.content.hugo.shortcodes import ShortcodePage, render_with_shortcodes, trim_short_html

SUMMARY_DIVIDER = "<!--more-->"
SUMMARY_LENGTH = 70  # Hugo's default summaryLength
_MARK = "HUGOMORE42"  # what Hugo puts in the divider's place while the Markdown is rendered
_DIVIDER = re.compile(re.escape(SUMMARY_DIVIDER) + r"\s*")
# Go's \p{Han}, \p{Hangul}, \p{Hiragana}, \p{Katakana}, by their main blocks.
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3041-\u309f"
    "\u30a1-\u30ff\u3131-\u318e\u31f0-\u31ff\u32d0-\u32fe\u3300-\u3357\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff6f\uff71-\uff9d"
    "\uffa0-\uffdc\U00020000-\U0003134f]"
)


@dataclass(frozen=True)
class HugoBody:
    """What Hugo shows of a post."""

    content: str  # .Content: the body's HTML, the divider's paragraph taken out
    summary: str  # .Summary: HTML before the divider, the front matter's summary rendered, or
    # the content's text (entities as they are in the HTML) cut after whole sentences
    truncated: bool  # .Truncated: the summary is not all of the post


def render_hugo_body(
    text: str, page: ShortcodePage, summary_length: int = SUMMARY_LENGTH, cjk: bool = False
) -> HugoBody:
    """The content and summary of a post whose Markdown (after the front matter) is `text`.
    `cjk` is the post's isCJKLanguage (see is_cjk_language): its summary counts characters."""
    divider = _DIVIDER.search(text)
    if divider is not None:
        rest = text[divider.end() :]
        text = text[: divider.start()] + f"\n\n{_MARK}\n\n" + rest
    content = render_with_shortcodes(text, page)
    if divider is not None and _MARK in content:
        summary, content = _split(content)
        return HugoBody(content, summary, truncated=bool(rest.strip()))
    written = _lowered(page.params).get("summary")
    if isinstance(written, str) and written:
        return HugoBody(content, trim_short_html(page.markdown(written)), truncated=False)
    plain = strip_html(content)
    if cjk:
        summary, truncated = truncate_by_rune(plain.split(), summary_length)
    else:
        summary, truncated = truncate_to_sentence(plain, summary_length)
    return HugoBody(content, summary, truncated)


def _split(html: str) -> tuple[str, str]:
    """Hugo's split at the divider's mark: the summary is the HTML before the paragraph it is
    in, the content all but that paragraph."""
    mark = html.index(_MARK)
    start = html.rfind("<p", 0, mark)
    end = html.find("</p", mark)
    start = mark if start < 0 else start
    end = mark + len(_MARK) if end < 0 else end + len("</p>")
    without = html[:start] + html[end:].strip("\n")
    return without[:start].strip(), without.strip()


def truncate_to_sentence(plain: str, length: int) -> tuple[str, bool]:
    """Hugo's TruncateWordsToWholeSentence: up to the `length`th white space character (each one
    counts, as in Hugo), then on to the next `.`, `?`, `!`, `"` or line break; the whole text
    when there is none."""
    count, last = 0, -1
    for i, char in enumerate(plain):
        if char.isspace():
            count, last = count + 1, i
            if count >= length:
                break
    if last < 0:
        return plain, False
    for j in range(last, len(plain)):
        if plain[j] in '.?!"\n':
            return plain[: j + 1].strip(), j + 1 < len(plain)
    return plain, False


def truncate_by_rune(words: Sequence[str], length: int) -> tuple[str, bool]:
    """Hugo's TruncateWordsByRune, for CJK text: a word of ASCII counts one, any other word one
    per character, cut inside a word when the count is reached."""
    count = 0
    for index, word in enumerate(words):
        if count >= length:
            return " ".join(words[:index]), True
        if word.isascii():
            count += 1
        elif count + len(word) < length:
            count += len(word)
        else:
            for cut in range(len(word)):
                if count >= length:
                    return " ".join([*words[:index], word[:cut]]), True
                count += 1
    return " ".join(words), False


def is_cjk_language(params: Mapping[str, Any], has_cjk_language: bool, source: str) -> bool:
    """Hugo's isCJKLanguage: the front matter's, else (when the site sets hasCJKLanguage)
    whether the file holds Chinese, Japanese or Korean letters."""
    written = _lowered(params).get("iscjklanguage")
    if written is not None:
        return written is True or str(written).lower() in ("true", "1")
    return has_cjk_language and _CJK.search(source) is not None


def _lowered(table: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in table.items()}
