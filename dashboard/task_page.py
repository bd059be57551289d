"""The skeleton every task page shares: pick data -> pick models -> train -> results -> take away.

A task page (sequence classification, text classification, predictive text, sequence
labelling, the replier) passes in only what is its own: how its data is chosen and shown,
its results view and its wording. What it draws below (its "Try it") comes after the call,
from the values the call returns.
"""

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Generic, NamedTuple, TypeVar

import streamlit as st

from dashboard import state, url_state
from dashboard.components import LARGEST_SEED, seed_url_field
from dashboard.run_downloads import run_downloads
from dashboard.state import TrainedModel
from dashboard.training_panel import job_section, model_plan, plan_url_fields, start_button

Choice = TypeVar("Choice")
Data = TypeVar("Data")


class Chosen(NamedTuple, Generic[Choice, Data]):
    """What a task page showed: the chosen dataset, its loaded data, and the models this
    visitor trained on it (oldest first)."""

    choice: Choice
    data: Data
    trained: list[TrainedModel]


def _seed(key: str) -> int:
    """The one seed of a run: it draws the split, the initial weights and the bootstrap."""
    return int(
        st.number_input(
            "Seed (split, initial weights, bootstrap)",
            min_value=0,
            max_value=LARGEST_SEED,
            value=0,
            step=1,
            key=key,
        )
    )


def task_page(
    task: str,
    key: str,
    *,
    data_fields: Sequence[url_state.UrlField],
    choose: Callable[[], Choice | None],
    overview: Callable[..., Data | None],
    results: Callable[[list[TrainedModel], Data], None],
    nothing_trained: str,
    dataset_name: Callable[[Choice], str] = attrgetter("name"),
    seeded_data: bool = False,
    availability: Callable[[str], str | None] | None = None,
    stop_if_untrained: bool = True,
) -> Chosen[Choice, Data]:
    """Draw a task page from its data to its downloads; stop the script where there is
    nothing further to show.

    `key` prefixes the skeleton's widget keys (`<key>.config`, `<key>.seed`, `<key>.download`)
    and names the page's link; `data_fields` are the link parameters of the widgets `choose`
    draws. `choose` returns the chosen dataset (None, explained, until one is ready), whose
    name `dataset_name` gives; `overview(choice)` shows it and returns the loaded data (None,
    explained, if it cannot load). `results(trained, data)` is the page's own results view.

    Options, for the pages that differ:
    - `seeded_data`: the seed draws the split the overview shows, so the seed input comes
      before it and `overview(choice, seed)` gets it; only models trained with that seed are
      shown, as their results are read against that split.
    - `availability(name)`: why the dataset cannot be loaded now (None if it can), shown
      instead of training when Train is pressed.
    - `stop_if_untrained=False`: with nothing trained the page says `nothing_trained` and
      goes on to what the page draws below (a try-it that explains itself) instead of stopping.
    """
    plan_key, seed_key = f"{key}.config", f"{key}.seed"
    plan_fields = plan_url_fields(task, plan_key)
    # The link lists the fields in the order their widgets appear on the page.
    if seeded_data:
        url_state.sync(key, [*data_fields, seed_url_field(seed_key), *plan_fields])
    else:
        url_state.sync(key, [*data_fields, *plan_fields, seed_url_field(seed_key)])
    choice = choose()
    if choice is None:
        st.stop()
    name = dataset_name(choice)
    if seeded_data:
        seed = _seed(seed_key)
        data = overview(choice, seed)
    else:
        data = overview(choice)
    if data is None:
        st.stop()

    st.header("Train")
    plan = model_plan(task, key=plan_key)
    if not seeded_data:
        seed = _seed(seed_key)
    start_button(task, name, plan, seed, availability(name) if availability else None)
    job_section()

    trained = state.trained_models(task, name, seed if seeded_data else None)
    st.header("Results")
    if not trained:
        st.info(nothing_trained)
        if stop_if_untrained:
            st.stop()
    else:
        results(trained, data)
        st.subheader("Take a run away")
        run_downloads([model.run for model in reversed(trained)], key=f"{key}.download")
    return Chosen(choice, data, trained)
