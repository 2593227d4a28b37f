"""A person's browser against the real server: Debian's headless chromium, driven by selenium,
opens feed URLs and the index as someone would, and follows the subscribe links."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import feedparser
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from feedsvc.model.layout import FORMATS, FeedFormat
from feedsvc.settings import EXAMPLE_CONTENT, load_settings

from .conftest import SAMPLE_TITLE, parse_feed
from .servers import Server, feedsvc_server
from .system import require

FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SITE_TITLE = load_settings(env={}).site_title
CATEGORY = "shanghaizhengquanbao·zhongguozhengquanwang"  # the sample post's
TAG = "上海证券报·中国证券网新闻"
PHONE_WIDTH = 360  # CSS pixels of a small phone


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """feedsvc under gunicorn (config/gunicorn.conf.py), with the bundled example."""
    work = tmp_path_factory.mktemp("browser")
    with feedsvc_server("gunicorn", EXAMPLE_CONTENT, work / "state", work) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """Headless chromium with a fresh profile, keeping the console's messages (Debian's chromium
    and chromium-driver: without them these tests skip, or fail in CI)."""
    chromium = require("chromium", "chromium chromium-driver")
    chromedriver = require("chromedriver", "chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver named explicitly, so selenium-manager never looks for (or downloads) one.
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def visit(browser: webdriver.Chrome, url: str) -> list[dict[str, Any]]:
    """Open `url` as typed into the address bar; the console messages it caused."""
    browser.get_log("browser")  # drop what earlier pages said
    browser.get(url)
    return console(browser)


def console(browser: webdriver.Chrome) -> list[dict[str, Any]]:
    """The console's messages since the last look (errors, CSP violations, failed loads)."""
    return list(browser.get_log("browser"))


def url_of(server: Server, path: str) -> str:
    return server.url + urllib.parse.quote(path)


def entry_links(browser: webdriver.Chrome) -> list[str]:
    return [
        a.get_attribute("href") or ""
        for a in browser.find_elements(By.CSS_SELECTOR, "ol.entries h3 a")
    ]


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("feed.atom", SITE_TITLE),
        ("feed.rss", SITE_TITLE),
        (f"tags/{TAG}.atom", f"#{TAG} – {SITE_TITLE}"),
        (f"categories/{CATEGORY}.rss", f"{CATEGORY} – {SITE_TITLE}"),
    ],
)
def test_a_browser_opening_a_feed_url_shows_its_page(
    server: Server, browser: webdriver.Chrome, path: str, title: str
) -> None:
    assert visit(browser, url_of(server, path)) == []  # no errors, nothing blocked
    assert browser.current_url == url_of(server, path)  # the same URL: no redirect
    assert browser.title == title
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    post = browser.find_element(By.LINK_TEXT, SAMPLE_TITLE)
    assert post.is_displayed()
    assert post.get_attribute("href") == (
        f"{server.url}{urllib.parse.quote(CATEGORY)}/2022/05/30/000_115a54e5f9c4b57d.html"
    )
    assert "A feed lists a site's newest posts" in browser.find_element(By.CLASS_NAME, "about").text


def test_the_subscribe_links_lead_to_the_feed(server: Server, browser: webdriver.Chrome) -> None:
    """Each subscribe link is the feed's URL in one format: following it in the browser shows the
    page again (a browser asked), and a feed reader given the same URL, or the address copied
    from the page, gets a feed holding the entries the page shows."""
    page = url_of(server, f"tags/{TAG}.atom")
    assert visit(browser, page) == []
    shown = entry_links(browser)
    assert shown
    links = browser.find_elements(By.CSS_SELECTOR, "a.subscribe")
    copied = [code.text for code in browser.find_elements(By.CSS_SELECTOR, "code.url")]
    hrefs = [link.get_attribute("href") for link in links]
    assert hrefs == [url_of(server, f"tags/{TAG}.{fmt.value}") for fmt in FeedFormat]
    assert copied == hrefs  # the plain address to paste into a reader, no feed: scheme
    assert [link.get_attribute("type") for link in links] == [
        FORMATS[fmt].media_type for fmt in FeedFormat
    ]
    for position, href in enumerate(hrefs):
        assert visit(browser, page) == []
        link: WebElement = browser.find_elements(By.CSS_SELECTOR, "a.subscribe")[position]
        link.click()
        assert browser.current_url == href
        assert console(browser) == []
        assert entry_links(browser) == shown
        reader = urllib.request.Request(href, headers={"Accept": feedparser.http.ACCEPT_HEADER})
        with urllib.request.urlopen(reader) as response:  # a reader's Accept: the feed itself
            feed = parse_feed(response.read())
        assert [entry.link for entry in feed.entries] == shown


def test_the_page_fits_a_phone(server: Server, browser: webdriver.Chrome) -> None:
    browser.set_window_size(PHONE_WIDTH, 800)
    try:
        for path in (f"tags/{TAG}.atom", ""):
            assert visit(browser, url_of(server, path)) == []
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, path  # nothing to scroll sideways
    finally:
        browser.set_window_size(1280, 900)


def test_the_index_shows_each_feed_with_its_newest_entries(
    server: Server, browser: webdriver.Chrome
) -> None:
    assert visit(browser, server.url) == []
    feeds = browser.find_elements(By.CSS_SELECTOR, "section.feed")
    names = [feed.find_element(By.TAG_NAME, "h3").text for feed in feeds]
    assert names[0] == SITE_TITLE and CATEGORY in names
    for feed in feeds:
        entries = feed.find_elements(By.CSS_SELECTOR, "ul.newest li")
        assert entries, feed.text
        for entry in entries:
            assert entry.find_element(By.TAG_NAME, "a").get_attribute("href")
            assert entry.find_element(By.TAG_NAME, "time").get_attribute("datetime")
    assert len(feeds[0].find_elements(By.CSS_SELECTOR, "ul.newest li")) == 5
    tags = browser.find_elements(By.CSS_SELECTOR, "tbody tr")  # tags: one table row each
    assert any(row.text.startswith(TAG) for row in tags)
    category = feeds[names.index(CATEGORY)]
    assert SAMPLE_TITLE in category.text
    category.find_element(By.LINK_TEXT, CATEGORY).click()  # the feed's name leads to its page
    assert browser.current_url == url_of(server, f"categories/{CATEGORY}.html")
    assert console(browser) == []
    assert browser.find_element(By.LINK_TEXT, SAMPLE_TITLE).is_displayed()
