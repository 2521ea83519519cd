"""Headless Chromium for the browser tests: Debian's ``chromium``, driven by
Playwright with ``executable_path`` set (Playwright never downloads a browser
here), and the folder the screenshots are kept in as test artefacts.

Without the browser the tests skip locally, naming what to install; under CI
(``CI`` set, see tests/integration/conftest.py) they fail instead: .ci/run
installs ``chromium`` and ``fonts-wqy-zenhei`` before the suite runs.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.integration.conftest import in_ci

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
INSTALL_HINT = "apt-get install chromium fonts-wqy-zenhei (.ci/run does)"


def chromium_executable() -> Path:
    """Debian's chromium (HUB_TEST_CHROMIUM may name another build of it)."""
    named = os.environ.get("HUB_TEST_CHROMIUM")
    candidates = [Path(named)] if named else [DEBIAN_CHROMIUM]
    if not named and (found := shutil.which("chromium")) is not None:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    message = f"no chromium at {', '.join(map(str, candidates))}: {INSTALL_HINT}"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as playwright:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot_folder() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def free_loopback_port() -> int:
    """A port free on 127.0.0.1 now, for a server started right after."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
