"""A real headless Chromium (Debian's `chromium` and `chromium-driver`, driven by Selenium) at a
phone's size, shared by the module's tests. Without chromium the tests are skipped locally, with
the reason; under CI (`CI` set) a missing browser fails them, so `.ci/run` cannot pass by
skipping."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import LOG_DIR_ENV

WIDTH, HEIGHT = 360, 740
WAIT_S = 15.0
STANDIN = "/app/static/telegram-web-app-standin.js"
# Inputs without a label, buttons and links without words: what a screen reader reads as nothing.
UNNAMED = """
return [...document.querySelectorAll("input, select, button, a[href]")]
  .filter((e) => e.offsetParent !== null)
  .filter((e) => !(e.getAttribute("aria-label") || (e.labels && e.labels.length)
                   || (e.tagName !== "INPUT" && e.tagName !== "SELECT" && e.textContent.trim())))
  .map((e) => e.outerHTML.slice(0, 120));
"""
# Set to a folder (docs/images) to also save the README's pictures of each view.
SHOTS_ENV = "VOLBOT_DASHBOARD_SHOTS"


def _browser() -> tuple[str, str] | None:
    found = shutil.which("chromium"), shutil.which("chromedriver")
    return (found[0], found[1]) if found[0] and found[1] else None


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser saves what the page downloads (not the user's ~/Downloads)."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[webdriver.Chrome]:
    browser = _browser()
    if browser is None:
        message = (
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message}: the browser tests must run in CI")
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = browser[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WIDTH},{HEIGHT}",
        "--lang=en",
        "--force-device-scale-factor=1",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    chrome = webdriver.Chrome(options=options, service=Service(browser[1]))
    # --window-size sets the window; the page's viewport is what a phone would show.
    chrome.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        yield chrome
    finally:
        chrome.quit()


class Page:
    """The dashboard in the browser, driven from async tests: each Selenium call runs in a thread
    so the bot (on this event loop) keeps answering the page."""

    def __init__(self, driver: webdriver.Chrome, port: int, name: str) -> None:
        self.driver, self.base, self.name = driver, f"http://127.0.0.1:{port}/app/", name
        self.logs = Path(os.environ.get(LOG_DIR_ENV, ".test-logs"))
        self.shots = os.environ.get(SHOTS_ENV)

    async def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(call, *args)

    async def open(
        self, init_data: str, query: str = "", theme: dict[str, str] | None = None
    ) -> None:
        """The page as Telegram opens it: the launch data (and the app's theme) in the fragment."""
        self.driver.get_log("browser")  # forget the previous page's console
        url = f"{self.base}{query}#tgWebAppData={quote(init_data, safe='')}"
        if theme:
            url += f"&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}"
        await self._run(self.driver.get, url)
        await self.until(
            lambda d: d.find_element(By.ID, "view").get_attribute("aria-busy") == "false"
        )

    async def until(self, condition: Callable[[webdriver.Chrome], Any]) -> Any:
        return await self._run(WebDriverWait(self.driver, WAIT_S, 0.05).until, condition)

    async def find(self, css: str) -> WebElement:
        element: WebElement = await self.until(lambda d: d.find_element(By.CSS_SELECTOR, css))
        return element

    async def all(self, css: str) -> list[WebElement]:
        found: list[WebElement] = await self._run(self.driver.find_elements, By.CSS_SELECTOR, css)
        return found

    async def texts(self, css: str) -> list[str]:
        return [
            str(text)
            for text in await self._run(
                self.driver.execute_script,
                "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)",
                css,
            )
        ]

    async def count(self, css: str, expected: int) -> None:
        """Wait until `expected` elements match."""
        await self.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, css)) == expected)

    async def said(self, text: str) -> None:
        """Wait until the page's live region says `text`."""
        await self.until(lambda d: d.find_element(By.ID, "status").text == text)

    async def click(self, css: str) -> None:
        element = await self.find(css)
        await self._run(element.click)

    async def unnamed(self) -> list[str]:
        """The controls shown that a screen reader could not name (no label, no text)."""
        found: list[str] = await self._run(self.driver.execute_script, UNNAMED)
        return found

    async def scroll_home(self, css: str) -> None:
        """Scroll a sideways-scrolling part (the roster's table) back to its start."""
        await self._run(
            self.driver.execute_script, f"document.querySelector({css!r}).scrollLeft = 0"
        )

    async def tab(self, view: str) -> None:
        """Open a tab and wait until its view has loaded."""
        await self.click(f"#tab-{view}")
        await self.until(
            lambda d: (
                d.find_element(By.TAG_NAME, "body").get_attribute("data-view") == view
                and d.find_element(By.ID, "view").get_attribute("aria-busy") == "false"
            )
        )

    async def shot(self, name: str, *, readme: bool = True) -> None:
        """A screenshot under the test log folder (and the README's, when asked)."""
        await self._run(self._save, name, readme)

    def _save(self, name: str, readme: bool) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(self.logs / f"{self.name}-{name}.png"))
        if self.shots and readme:
            Path(self.shots).mkdir(parents=True, exist_ok=True)
            self.driver.save_screenshot(str(Path(self.shots) / f"dashboard-{name}.png"))

    def console_errors(self) -> list[str]:
        """What the page logged as errors (a script error, a blocked resource), except the
        API's refusals the page is expected to handle."""
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
        ]


@pytest.fixture
def page(driver: webdriver.Chrome, request: pytest.FixtureRequest) -> Callable[[int], Page]:
    return lambda port: Page(driver, port, request.node.name)
