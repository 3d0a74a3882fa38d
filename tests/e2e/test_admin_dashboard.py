"""The admin front page at 1400 and 1920 px (issue 18): the key figures use the page's width, no
label wraps a letter per line, and the Reports link is readable on the module's bar."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, WIDE
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase"

# For each label: its width, the width of its longest word set alone in the same font, and how
# many lines it takes.
MEASURE = """
(els) => els.map((el) => {
  const style = getComputedStyle(el);
  const probe = document.createElement("span");
  probe.style.font = style.font;
  probe.style.whiteSpace = "nowrap";
  probe.style.position = "absolute";
  document.body.appendChild(probe);
  let longest = 0;
  for (const word of el.textContent.trim().split(/\\s+/)) {
    probe.textContent = word;
    longest = Math.max(longest, probe.getBoundingClientRect().width);
  }
  probe.remove();
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
  return {
    text: el.textContent.trim(),
    width: el.getBoundingClientRect().width,
    longest: longest,
    lines: Math.round(el.getBoundingClientRect().height / lineHeight),
  };
})
"""

CONTRAST = """
(link) => {
  function rgb(text) { return text.match(/[\\d.]+/g).slice(0, 3).map(Number); }
  function luminance(c) {
    const [r, g, b] = c.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const fg = luminance(rgb(getComputedStyle(link).color));
  const bg = luminance(rgb(getComputedStyle(link.closest("h2")).backgroundColor));
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}
"""


@pytest.fixture
def finance_admin(superuser):
    superuser.set_password(PASSWORD)
    superuser.save()
    MembershipFactory()
    return superuser


@pytest.mark.parametrize("viewport", [DESKTOP, WIDE], ids=["1400", "1920"])
def test_it_lays_the_key_figures_out_on_the_whole_width(
    open_page, screenshot, finance_admin, viewport
):
    page = open_page(viewport)
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(finance_admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    dashboard = page.locator("#finance-dashboard")
    expect(dashboard).to_contain_text("Renewals due (60 days)")
    assert dashboard.bounding_box()["width"] >= viewport["width"] * 0.6

    labels = page.locator("#finance-dashboard dt")
    expect(labels).to_have_count(7)
    for label in labels.evaluate_all(MEASURE):
        assert label["width"] >= label["longest"], label  # no word is broken
        assert label["lines"] <= 2, label
    renewals = next(x for x in labels.evaluate_all(MEASURE) if x["text"].startswith("Renewals"))
    assert renewals["lines"] == 1, renewals

    reports = dashboard.get_by_role("link", name="Reports")
    assert reports.evaluate(CONTRAST) >= 4.5
    screenshot(page, "dashboard")

    reports.click()
    expect(page).to_have_url(re.compile(r"/admin/reports/$"))
