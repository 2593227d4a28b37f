"""The jinja2 environment of the HTML pages people read: the index and each feed's page."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import jinja2
from markupsafe import Markup

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("feedsvc.render", "templates"),
    autoescape=True,  # titles, names and summaries are user content
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,  # a misspelt name fails the tests instead of showing ""
)


def shown_date(when: dt.datetime) -> str:
    """A date as people read it, in the zone it was written in (the site's readers' zone)."""
    return when.strftime("%Y-%m-%d %H:%M %z")


def _style_hash(css: str) -> str:
    """CSP source allowing exactly this inline style, so the pages can forbid everything else."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


_STYLE = ENVIRONMENT.get_template("style.css").render()
ENVIRONMENT.filters["shown_date"] = shown_date
# Our own stylesheet, no user content: put in as it is, so its hash below matches.
ENVIRONMENT.globals["style"] = Markup(_STYLE)  # noqa: S704
# The pages run no scripts and load nothing: only the inline style above (and the empty data:
# favicon that stops browsers from asking for /favicon.ico and logging a 404).
ENVIRONMENT.globals["content_security_policy"] = (
    f"default-src 'none'; style-src {_style_hash(_STYLE)}; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
