"""Tuning one model on the Contest page: start a sweep, watch it, then its trials in parallel
coordinates and a table, and any trial's config taken to the task's page."""

import streamlit as st

from core.contest.contest_figures import trials_figure
from core.contest.sweeps import Sweep, list_sweeps, load_sweep
from core.data.dataset_info import DatasetInfo
from core.models.registry import MODELS, models_for
from core.runtime.contest_jobs import TUNE, ContestRequest
from dashboard import hosting
from dashboard.config_links import use_config_button
from dashboard.contest_panel import (
    budget_input,
    job_section,
    settings_text,
    start_button,
    trial_table,
)
from dashboard.services import run_store


def tuning_section(task: str, dataset: DatasetInfo | None, seed: int) -> None:
    specs = models_for(task)
    model = st.selectbox(
        "Model",
        specs,
        format_func=lambda spec: f"{spec.title} ({spec.family})",
        key=f"tune.model.{task}",
    )
    budget = budget_input(
        TUNE,
        help="Wall-clock seconds of random search; successive halving cuts the trials "
        "that fall behind after 1, 3, 9... epochs.",
    )
    request = (
        None if dataset is None else ContestRequest(task, dataset.name, budget, seed, model.name)
    )
    start_button(
        request,
        "Start tuning",
        help="Trains one config after another on the training part, in the background, each "
        "scored on the validation part; the first is the model's defaults.",
    )
    job_section(TUNE)
    stored_sweeps()


def stored_sweeps() -> None:
    """A stored sweep to view (this visitor's and the shared ones), newest first."""
    store = run_store()
    visitor = hosting.visitor()
    ids = list_sweeps(store, visitor)
    if not ids:
        st.info("No sweep stored yet: start tuning above, or run `python -m core tune`.")
        return
    chosen = st.selectbox(
        "Sweep to view",
        ids,
        # Keyed by the newest sweep, so a sweep that just ended (or began) is shown at once.
        key=f"tune.sweep.{ids[0]}",
        help="Every sweep stored: each rung of a contest is one too.",
    )
    sweep_result(load_sweep(store, chosen, visitor))


def sweep_result(sweep: Sweep) -> None:
    """The trials in parallel coordinates and as a table, and a trial's config to use."""
    title = MODELS[(sweep.task, sweep.model)].title
    scored = [trial for trial in sweep.trials if trial.score is not None]
    st.subheader(f"{title} on {sweep.dataset}")
    st.caption(
        f"Seed {sweep.seed}, a budget of {sweep.budget_seconds:g} s, {len(sweep.trials)} "
        f"trial{'s' if len(sweep.trials) != 1 else ''} ({len(scored)} scored); every score "
        "is validation accuracy."
    )
    if not scored:
        st.info("No trial of this sweep was scored.")
        return
    if not sweep.searched:
        st.caption(f"{title} has no setting to tune: its one trial is its defaults.")
    elif len(scored) > 1:
        st.plotly_chart(trials_figure(sweep), key="tune.trials_figure")
    trial_table(sweep.trials, sweep.searched, key="tune.trials")
    best = sweep.best
    ranked = sorted(scored, key=lambda trial: (not trial.complete, -trial.score, trial.number))
    chosen = st.selectbox(
        "Trial to use",
        ranked,
        format_func=lambda trial: (
            f"Trial {trial.number}: {trial.score:.4f} ({trial.state})"
            + (", the best" if trial is best else "")
            + (f": {settings_text(trial.settings)}" if trial.settings else "")
        ),
        key=f"tune.trial.{sweep.id}",
    )
    use_config_button(
        sweep.task,
        sweep.dataset,
        sweep.model,
        chosen.settings,
        sweep.seed,
        key="tune.use",
        label="Use this config",
    )
