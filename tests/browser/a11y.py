"""axe-core (vendored in static/vendor/axe-core/) run on the page a browser test is looking at.

Only the tests load axe: it is added to the page under test, never linked from the app's pages.
``assert_accessible`` fails on every serious or critical violation of WCAG 2.0/2.1 A and AA and
axe's best practices, naming the rule and the selectors of the offending elements, so a failure
says what to fix without opening a browser."""

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"

# The rule sets CareSlot promises (issue 12): WCAG 2.x A and AA, and axe's best practices, which
# catch a missing main landmark or an unlabelled region before a screen-reader user does.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")

RUN_AXE = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.map((node) => ({
            impact: node.impact,
            target: node.target.map((part) => Array.isArray(part) ? part.join(" >> ") : part),
            summary: node.failureSummary || "",
        })),
    }));
}"""


def _load_axe(page) -> None:
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern: a <script> tag with the source inline would need the page's nonce.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))


def axe_violations(page, *, impacts=FAILING_IMPACTS) -> list[dict]:
    """The page's violations of ``impacts`` severity, each with the elements it was found on."""
    _load_axe(page)
    found = []
    for violation in page.evaluate(RUN_AXE, TAGS):
        nodes = [node for node in violation["nodes"] if node["impact"] in impacts]
        if nodes:
            found.append({**violation, "nodes": nodes})
    return found


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {', '.join(node['target'])}  {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, *, context: str = "") -> None:
    """Fails listing each serious or critical axe violation of the page and where it is."""
    violations = axe_violations(page)
    if violations:
        where = context or page.url
        raise AssertionError(f"axe found serious or critical violations on {where}:\n{describe(violations)}")
