"""axe-core in the browser tests: WCAG 2.1 A and AA, no serious or critical violation.

``violations(page)`` injects the vendored axe-core (``vendor/axe.min.js``, test-only) into
the page as it is now and returns what it found at those impacts, each as a line naming the
rule and the elements, so that a failing assertion says what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ("serious", "critical")


def violations(page: Any) -> list[str]:
    """The page's serious and critical WCAG 2.1 AA violations, in words ([] when none)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated by the browser's debugger, not a <script>: the pages' CSP would refuse one
        page.evaluate(AXE.read_text("utf-8") + "\n;undefined")
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))", TAGS)
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
            for v in found if v["impact"] in IMPACTS]
