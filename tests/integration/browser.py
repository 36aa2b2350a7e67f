"""Headless Chromium (Debian's package) driven by Playwright, for the dashboard's tests.

Playwright's own browser download is not used (and would fail offline): the launch names
/usr/bin/chromium, with the flags that keep it from calling Google's services.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from ecomlake.config import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard"  # screenshots, kept after the run
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # runs as root in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    path = shutil.which("chromium")
    assert path, "chromium not found: `make setup` installs Debian's chromium package"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OpenPage:
    page: Page
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions

    def value(self, element_id: str) -> str:
        return str(self.page.get_attribute(f"#{element_id}", "data-value") or "")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path


def open_page(browser: Browser, url: str) -> OpenPage:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    opened = OpenPage(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            opened.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    page.goto(url)
    return opened


@contextmanager
def dashboard(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """`ecomlake serve` on `port` until the block ends; yields its base URL."""
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ecomlake", "serve", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "dashboard did not answer in 60 s"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
