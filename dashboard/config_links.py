"""Take a tuned config to its task's page: that model alone, those settings, that data and seed.

A task page reads its form from its link (dashboard/url_state.py), so the button opens the page
with the link the page itself would write for that form, built from the page's own link fields
(dashboard/training_panel.py `plan_url_fields`): the form the visitor lands on is the one a
shared link would open.
"""

from typing import NamedTuple

import streamlit as st

from core.models.registry import model_spec
from core.task_names import SEQUENCE_CLASSIFICATION, TEXT_CLASSIFICATION
from dashboard import url_state
from dashboard.training_panel import plan_url_fields


class TaskPage(NamedTuple):
    """A task page's script (relative to dashboard/app.py) and the key its link is synced
    under, which prefixes its form's widget keys (dashboard/task_page.py)."""

    script: str
    key: str


TASK_PAGES = {
    SEQUENCE_CLASSIFICATION: TaskPage("../pages/sequence_classification.py", "sequence"),
    TEXT_CLASSIFICATION: TaskPage("../pages/text_classification.py", "text"),
}


def task_page_link(task: str, dataset: str, model: str, settings: dict, seed: int) -> dict:
    """The task page's link parameters for `model` alone with `settings` over its form's
    defaults, on `dataset` with `seed`."""
    spec = model_spec(task, model)
    plan_key = f"{TASK_PAGES[task].key}.config"
    values = {f"{plan_key}.models": [spec]}
    values |= {f"{plan_key}.{model}.{name}": value for name, value in settings.items()}
    params = url_state.params_of(plan_url_fields(task, plan_key), values)
    return {"dataset": dataset, **params, "seed": str(seed)}


def use_config_button(
    task: str, dataset: str, model: str, settings: dict, seed: int, *, key: str, label: str
) -> None:
    """A button that opens the task page with this model and these settings filled in."""
    if not st.button(
        label,
        icon=":material/open_in_new:",
        key=key,
        help="Opens the task's page with this model alone, these settings, this dataset and "
        "this seed in its form, ready to train on the whole training part and score on test.",
    ):
        return
    page = TASK_PAGES[task]
    # The page applies a link once per session (url_state.sync); a visitor who has been there
    # already must get this link applied too.
    st.session_state.get(url_state.SEEDED_PAGES, set()).discard(page.key)
    st.switch_page(page.script, query_params=task_page_link(task, dataset, model, settings, seed))
