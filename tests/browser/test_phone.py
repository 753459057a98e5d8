"""The main pages on a phone (390 × 844) and a tablet (820 × 1180): nothing makes the page scroll
sideways (wide tables and boards scroll inside themselves), "Sign out" is on the screen, the
sections fold behind a Menu button that opens and closes by mouse and keyboard, the facility's
name is shown whole in the switcher, no form control is cut off at the screen's edge, and axe
finds nothing serious at that width either."""

import pytest
from playwright.sync_api import expect

from scheduling.models import Role
from tests.browser.a11y import assert_accessible
from tests.browser.test_accessibility import MEMBERS, SLUG, clinic  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"phone": (390, 844), "tablet": (820, 1180)}
MAIN_PAGES = {
    "overview": "",
    "bookings of the day": "bookings/",
    "availability": "availability/",
    "queue": "queue/",
    "patients": "patients/",
    "resources": "resources/",
    "imports": "imports/",
    "analytics": "analytics/",
}

# Form controls and buttons of the page whose box goes past the screen's edge, unless they sit in
# a box that scrolls sideways on purpose (.scroll-x, a day board).
CUT_OFF = """() => {
    const width = window.innerWidth;
    const scrolls = (element) => {
        for (let node = element.parentElement; node; node = node.parentElement) {
            const overflow = getComputedStyle(node).overflowX;
            if (overflow === "auto" || overflow === "scroll") return true;
        }
        return false;
    };
    return Array.from(document.querySelectorAll("select, input, textarea, button, [role=button]"))
        .filter((element) => element.offsetParent !== null && !scrolls(element))
        .filter((element) => {
            const box = element.getBoundingClientRect();
            return box.left < -1 || box.right > width + 1;
        })
        .map((element) => element.outerHTML.slice(0, 120));
}"""


# The innermost elements that reach past the screen's right edge (outside a sideways scroller):
# what makes the page wider than the screen, named for the failure message.
TOO_WIDE = """() => {
    const width = window.innerWidth;
    const wide = Array.from(document.querySelectorAll("body *")).filter((element) => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && box.right > width + 1;
    });
    const innermost = wide.filter((element) => !wide.some((other) => other !== element && element.contains(other)));
    return innermost.slice(0, 8).map((element) => {
        const box = element.getBoundingClientRect();
        const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
            + (typeof element.className === "string" && element.className.trim()
                ? "." + element.className.trim().split(/\\s+/).join(".") : "");
        return `${name} (right edge at ${Math.round(box.right)} px)`;
    });
}"""


# Selects whose chosen option does not fit in them (the text would be cut to "Rou…").
SELECTS_CUT = """() => {
    const context = document.createElement("canvas").getContext("2d");
    return Array.from(document.querySelectorAll("main select"))
        .filter((select) => select.offsetParent !== null && select.selectedIndex >= 0)
        .filter((select) => {
            const style = getComputedStyle(select);
            context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return context.measureText(select.options[select.selectedIndex].text.trim()).width > room + 1;
        })
        .map((select) => `${select.name || select.id}: ${select.options[select.selectedIndex].text.trim()}`);
}"""


def _assert_fits(page, *, context: str) -> None:
    name = context
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{name}: the page is {widths[0]} px wide on a {widths[1]} px screen; too wide: {page.evaluate(TOO_WIDE)}"
    )
    assert page.evaluate(CUT_OFF) == [], f"{name}: controls cut off at the screen's edge"
    assert page.evaluate(SELECTS_CUT) == [], f"{name}: selects too narrow for their choice"
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_main_pages_fit_the_screen(screen, clinic, log_in):  # noqa: F811 - the fixture
    page = log_in(MEMBERS[Role.ADMIN])
    page.set_viewport_size(dict(zip(("width", "height"), SCREENS[screen], strict=True)))
    problems = []
    for name, tail in MAIN_PAGES.items():
        response = page.goto(f"/f/{SLUG}/{tail}")
        assert response.status == 200, name
        # Every page is checked before failing, so one run names everything to fix.
        for check in (_assert_fits, assert_accessible):
            try:
                check(page, context=f"{name} on a {screen}")
            except AssertionError as failure:
                problems.append(str(failure))
    assert problems == [], "\n\n".join(problems)


def test_the_sections_fold_behind_a_menu_button_on_a_phone(clinic, log_in):  # noqa: F811
    page = log_in(MEMBERS[Role.ADMIN])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/f/{SLUG}/patients/")
    menu = page.get_by_role("button", name="Menu")
    sections = page.get_by_role("navigation", name="Main")

    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sections.get_by_role("link", name="Bookings")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sections.get_by_role("link", name="Bookings")).to_be_in_viewport()
    expect(sections.get_by_role("link", name="Patients")).to_have_attribute("aria-current", "page")

    # The facility's long name is shown whole in the switcher, not clipped.
    switcher = page.locator(".facility-switcher > summary")
    expect(switcher).to_have_text(clinic.facility.name)
    assert switcher.evaluate("(summary) => summary.scrollWidth <= summary.clientWidth")
    switcher.click()
    expect(page.get_by_role("link", name="Hollowmere Day Unit")).to_be_in_viewport()
    _assert_fits(page, context="the open menu")

    # Escape from inside the menu closes it and puts focus back on its button.
    sections.get_by_role("link", name="Bookings").focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(sections.get_by_role("link", name="Bookings")).to_be_hidden()

    # By keyboard: Enter on the button opens it again, and the sections follow it in tab order.
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.locator("#topbar-menu a").first).to_be_focused()


def test_on_a_wide_screen_the_sections_show_without_a_menu(clinic, log_in):  # noqa: F811
    page = log_in(MEMBERS[Role.SCHEDULER])
    page.goto(f"/f/{SLUG}/bookings/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()


def test_the_sign_in_and_error_pages_fit_a_phone(clinic, page):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in (("the sign-in", "/accounts/login/"), ("a missing page", "/no-such-page/")):
        page.goto(path)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{name}: {widths[0]} px wide on a {widths[1]} px screen"
        assert page.evaluate(CUT_OFF) == [], name
        assert_accessible(page, context=f"{name} on a phone")
