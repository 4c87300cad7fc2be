"""axe-core's WCAG 2 A/AA rules, run inside the page under test.

axe.min.js comes with axe-playwright-python. It goes in through page.evaluate, which the DevTools
protocol runs outside the page's Content-Security-Policy; page.add_script_tag would add an inline
<script>, which our pages' strict policy (rightly) blocks. So the check needs no `bypass_csp`, and
the page is tested under the policy it is served with.
"""
from __future__ import annotations

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Locator, Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
COLOR_SCHEMES = ("light", "dark")


def violations(page: Page) -> list[dict]:
    """axe's violations of the WCAG 2.0–2.2 A and AA rules on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("options => axe.run(document, options)", options)["violations"]


def report(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            lines.extend(f"        {line}" for line in node.get("failureSummary", "").splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page, color_schemes: tuple[str, ...] = COLOR_SCHEMES) -> None:
    """Fail on any serious or critical violation, in each colour scheme (contrast differs between them)."""
    was_dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    failures = []
    for scheme in color_schemes:
        page.emulate_media(color_scheme=scheme)
        blocking = [v for v in violations(page) if v["impact"] in BLOCKING]
        if blocking:
            failures.append(f"{page.url} in the {scheme} colour scheme:\n{report(blocking)}")
    page.emulate_media(color_scheme="dark" if was_dark else "light")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


def assert_announced(message: Locator) -> None:
    """The message is visible and inside a live region, so screen readers read it out when it appears."""
    message.wait_for(state="visible")
    live = message.evaluate("el => !!el.closest('[role=alert], [role=status], [aria-live]:not([aria-live=off])')")
    assert live, f"{message} is not inside role=alert/status or aria-live"
