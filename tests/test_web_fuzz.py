"""Whatever the request, the app answers with a status and a short body, never a traceback."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsvc.pipeline.refresh import Refresher
from feedsvc.settings import EXAMPLE_CONTENT, load_settings
from feedsvc.web.app import create_app

from .conftest import NOW

HEADER_NAMES = ["If-None-Match", "If-Modified-Since", "Accept-Encoding", "If-Match", "Range"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    state = tmp_path_factory.mktemp("state")
    settings = load_settings(env={}, overrides={"state_dir": state, "content_dir": EXAMPLE_CONTENT})
    Refresher(settings).refresh(NOW)
    return create_app(settings)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "BREW"]),
    path=st.one_of(
        st.text(min_size=0, max_size=60),
        st.sampled_from(["feed.atom", "tags/", "categories/../feed.rss", "%00", "\\", "//"]),
    ),
    headers=st.dictionaries(
        st.sampled_from(HEADER_NAMES),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
        max_size=4,
    ),
)
def test_no_request_gets_a_traceback(
    app: Flask, method: str, path: str, headers: dict[str, str]
) -> None:
    # The raw path, as a WSGI server hands it over (UTF-8 bytes seen as latin-1): given as a URL,
    # "//x" would be read by the test client as a host name and never reach the app as a path.
    raw = {"PATH_INFO": ("/" + path).encode("utf-8", "surrogatepass").decode("latin-1")}
    with app.test_client().open(
        "/", method=method, headers=headers, environ_overrides=raw
    ) as response:
        # 501: a method HTTP does not know (`BREW`; methods are case-sensitive, RFC 9110 9.1)
        allowed = {200, 304, 400, 404, 405, 412, 414, 501}
        assert response.status_code in allowed, response.status_code
        if response.status_code >= 400:
            assert len(response.data) < 200
            assert b"Traceback" not in response.data
