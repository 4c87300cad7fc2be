"""Where Debian's Chromium is and how it is launched, for the tests and the screenshot script alike."""
from __future__ import annotations

import os

CHROMIUM = os.environ.get("USERPOOLS_CHROMIUM", "/usr/bin/chromium")
# Long enough for a cold server and Chromium; a broken page fails in seconds, not Playwright's 30.
TIMEOUT_MS = 10_000


def launch_args() -> list[str]:
    # Chromium's sandbox refuses to start as root (CI runs as root).
    return ["--no-sandbox"] if os.geteuid() == 0 else []
