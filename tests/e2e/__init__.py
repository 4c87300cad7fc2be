"""Browser tests: real Chromium through Playwright against a live server (see README.md)."""
