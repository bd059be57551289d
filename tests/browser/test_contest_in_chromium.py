"""The Contest page in headless Chromium: tune logistic regression on digits for a few
seconds, see its trials in parallel coordinates, and take a trial's config to the task page,
whose form opens with it.

Screenshots land in .reports/browser/ for a person to look at.
"""

import re

import pytest

from tests.browser import test_dashboard_in_chromium as chromium

pytestmark = pytest.mark.browser
browser, page, app_url = chromium.browser, chromium.page, chromium.app_url
SETTING = re.compile(r"inverse_regularization=([0-9.e+-]+)")


def _open(select_box, attempts: int = 5) -> None:
    """Open a select box's list; again if the first click only focused it (seen right after
    a rerun)."""
    for _ in range(attempts):
        select_box.get_by_role("button", name="Open").click()
        select_box.page.wait_for_timeout(500)
        if select_box.page.get_by_role("option").count():
            return
    raise AssertionError("the select box did not open")


def test_tune_a_model_and_use_a_trials_config(page, app_url):
    page.goto(f"{app_url}/contest")
    page.get_by_text("What to run").wait_for(timeout=60_000)
    page.get_by_text("Tune one model").click()
    page.get_by_role("button", name="Start tuning").wait_for(timeout=30_000)
    budget = page.get_by_role("spinbutton", name="Tuning budget (seconds)")
    budget.fill("10")
    budget.press("Enter")
    page.wait_for_timeout(1500)
    assert budget.input_value() == "10"
    page.get_by_role("button", name="Start tuning").click()
    page.get_by_role("button", name="Stop").wait_for(timeout=60_000)
    page.get_by_text("Trial to use").wait_for(timeout=180_000)

    plot = page.locator(".js-plotly-plot").filter(has=page.locator(".parcoords"))
    plot.wait_for(timeout=30_000)
    axes = plot.inner_text()
    assert "inverse_regularization" in axes and "validation accuracy" in axes, axes
    chromium.screenshot(page, "contest-tune.png")

    # The trial list is best first: take the last one, whose setting is not the default.
    _open(page.get_by_test_id("stSelectbox").filter(has_text="Trial to use"))
    page.get_by_role("option").last.click()
    page.wait_for_timeout(1000)
    chosen = page.get_by_role("combobox", name="Trial to use").input_value()
    setting = SETTING.search(chosen)
    assert setting and "the best" not in chosen, chosen
    value = float(setting.group(1))
    page.get_by_role("button", name="Use this config").click()

    page.wait_for_url(re.compile(r"/sequence-classification\?"), timeout=60_000)
    assert "models=logreg&logreg.inverse_regularization=" in page.url, page.url
    assert page.get_by_role("combobox", name="Dataset").input_value() == "Digits 8x8"
    settings = page.locator('[data-testid="stExpander"]').filter(
        has_text="Logistic regression settings"
    )
    settings.get_by_text("Logistic regression settings").click()
    field = settings.get_by_role("spinbutton", name="Inverse regularization")
    field.wait_for(timeout=30_000)
    assert float(field.input_value()) == pytest.approx(value, rel=1e-2), chosen
    chromium.screenshot(page, "contest-use-config.png")
