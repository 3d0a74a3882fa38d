"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

They need /usr/bin/chromium. Without it they are skipped with that reason, except when
REQUIRE_BROWSER=1 (CI), where a missing browser fails the run instead.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
# are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # An assertion waits as long as an action does (10 s): a busy CI machine answers a page's
    # script later than 5 s now and then, which is slowness, not a wrong page.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
WIDE = {"width": 1920, "height": 1080}


@pytest.fixture
def open_page(browser, live_server):
    """open_page(viewport=..., timezone_id=..., javascript=...) gives a fresh page in a context of
    its own; requests to any other host are refused and recorded (and fail the test)."""
    contexts: list = []
    foreign: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server.url):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    def make(viewport: dict | None = None, timezone_id: str | None = None, javascript: bool = True):
        options: dict = {
            "viewport": viewport or PHONE,
            "base_url": live_server.url,
            "java_script_enabled": javascript,
        }
        if timezone_id:
            options["timezone_id"] = timezone_id
        context = browser.new_context(**options)
        contexts.append(context)
        context.route("**/*", guard)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.foreign_requests = foreign
        return page

    yield make
    for context in contexts:
        context.close()
    assert not foreign, f"the page loaded assets from another host: {foreign}"


@pytest.fixture
def page(open_page, request):
    """A fresh page, phone-sized unless parametrized indirectly with another viewport
    (`@pytest.mark.parametrize("page", [PHONE, DESKTOP], indirect=True)`); requests to any
    other host are refused and recorded."""
    return open_page(getattr(request, "param", PHONE))


@pytest.fixture
def screenshot(request):
    """screenshot(page, "step-name") keeps a PNG under test-artifacts/<test name>/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, name: str) -> Path:
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# The elements that reach past the screen's right edge, for the message when a page does not fit.
_PAST_THE_EDGE = """(width) => [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .slice(0, 5)
    .map((el) => el.tagName + "." + el.className + ": " + el.textContent.trim().slice(0, 40))"""


def fits(page) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling: the page is as wide as the screen at most, once it has settled
    (a page measured while the browser still lays it out can read wider for a moment)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    width = page.viewport_size["width"]
    try:
        page.wait_for_function(
            "(width) => document.documentElement.scrollWidth <= width", arg=width, timeout=5000
        )
    except PlaywrightTimeoutError:
        wider = page.evaluate("document.documentElement.scrollWidth")
        past = page.evaluate(_PAST_THE_EDGE, width)
        message = f"the page is {wider} px wide on a {width} px screen: {past}"
        raise AssertionError(message) from None
