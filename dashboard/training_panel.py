"""Configure, start, watch and stop training; the page calls these in order."""

from typing import Any, NamedTuple

import streamlit as st

from core.errors import UserFacingError
from core.hosting import capped_defaults
from core.models.registry import ModelSpec, models_for
from core.runtime.jobs import ModelProgress, TrainingJob
from core.tasks.job_costs import PlannedCost
from core.tasks.registry import plan_costs
from dashboard import charts, hosting, state, url_state
from dashboard.components import config_form, settings_url_fields, stop_button
from dashboard.highlight import escape_markdown
from dashboard.services import run_store, training_devices

TERMINAL_NOTICE = {
    "finished": st.success,
    "stopped": st.warning,
    "failed": st.error,
    "skipped": st.info,
}


def _default_models(specs: list[ModelSpec]) -> list[ModelSpec]:
    """The baseline and one neural model to set against it: the LSTM where there is one."""
    neural = [spec for spec in specs if spec.family == "neural"]
    preferred = [spec for spec in neural if "lstm" in spec.name] or neural
    return [specs[0]] + preferred[:1]


class ModelPlan(NamedTuple):
    """The models chosen with their configs, and why any of them cannot be trained."""

    items: list[tuple[ModelSpec, Any]]
    problems: list[str]


def model_plan(task: str, key: str) -> ModelPlan:
    """Model choice and per-model settings; a setting out of its bounds is a problem, shown
    under its input and again next to the Train button."""
    specs = models_for(task)
    chosen = st.multiselect(
        "Models to train",
        specs,
        default=_default_models(specs),
        format_func=lambda spec: f"{spec.title} ({spec.family})",
        key=f"{key}.models",
    )
    items, problems = [], []
    for spec in chosen:
        with st.expander(f"{spec.title} settings"):
            st.caption(spec.description)
            config, problem = config_form(spec, key=f"{key}.{spec.name}")
        if problem:
            problems.append(f"{spec.title}: {problem}")
        else:
            items.append((spec, config))
    return ModelPlan(items, problems)


def _strategy_choice() -> str:
    """`mirrored` is offered only where this machine has more than one device.

    A hosted app trains on one device and skips the question: asking it loads TensorFlow
    into the app's process (a large share of a hosted app's memory; bench/README.md, Figures
    formerly in code comments), which a visitor training only baselines never needs.
    """
    if hosting.settings().hosted:
        return "default"
    devices = training_devices()
    if len(devices) < 2:
        st.caption(f"Neural models train on {devices[0]}, the only device here.")
        return "default"
    return st.radio(
        "Devices for neural models",
        ("default", "mirrored"),
        format_func=lambda name: (
            f"one ({devices[0]})" if name == "default" else f"all {len(devices)}, mirrored"
        ),
        horizontal=True,
        key="strategy",
        help="mirrored copies the model to every device and splits each batch between them; "
        "the batch size stays the global batch.",
    )


def plan_url_fields(task: str, key: str) -> list[url_state.UrlField]:
    """The model plan in a link: `models=logreg,lstm` and `<model>.<setting>=<value>`."""
    specs = models_for(task)
    fields = [
        url_state.choices(
            "models", f"{key}.models", specs, _default_models(specs), name=lambda spec: spec.name
        )
    ]
    for spec in specs:
        fields += settings_url_fields(
            capped_defaults(spec),
            f"{key}.{spec.name}",
            spec.name,
            frozenset(spec.fixed),
        )
    return fields


@st.cache_data(max_entries=64, show_spinner="Estimating what the models will cost...")
def _plan_costs(
    task: str, dataset_name: str, plan: tuple[tuple[str, Any], ...], seed: int, hosted: bool
) -> list[PlannedCost]:
    """Each model's estimated cost (core/tasks/job_costs.py), reckoned in the model worker in
    hosted mode, since it prepares the dataset; `hosted` keys the cache on the mode."""
    return hosting.in_worker(plan_costs, task, dataset_name, list(plan), seed)


def _cost_refusals(task: str, dataset_name: str, plan: ModelPlan, seed: int) -> list[str]:
    """The estimates of the planned networks, as a caption; the refusals over the budget."""
    named = tuple((spec.name, config) for spec, config in plan.items)
    titles = {spec.name: spec.title for spec, _ in plan.items}
    try:
        costs = _plan_costs(task, dataset_name, named, seed, hosting.settings().hosted)
    except UserFacingError as error:  # the dataset cannot be prepared: training says why
        return [str(error)]
    estimates = [f"{titles[item.model]}: {item.cost.describe()}" for item in costs if item.cost]
    if estimates:
        st.caption("Estimated: " + "; ".join(estimates) + ".")
    return [f"{titles[item.model]}: {item.refusal}" for item in costs if item.refusal]


def start_button(
    task: str, dataset_name: str, plan: ModelPlan, seed: int, unavailable: str | None = None
) -> None:
    """The Train button; starts a background job after checking the inputs.

    A setting out of bounds, or a plan over the server's budget for one job, is said next to
    the button, which is then disabled; `unavailable` says why the dataset cannot be loaded
    now (None when it can).
    """
    job = state.training_job()
    busy = job is not None and not job.done
    strategy = _strategy_choice()
    caps = hosting.caps_caption()
    if caps:
        st.caption(caps)
    refusals = list(plan.problems)
    if plan.items and not refusals and not unavailable:
        refusals = _cost_refusals(task, dataset_name, plan, seed)
    for refusal in refusals:
        st.error(escape_markdown(refusal))
    if not st.button("Train", type="primary", disabled=busy or bool(refusals), key="train"):
        return
    if not plan.items:
        st.warning("Choose at least one model to train.")
        return
    unavailable = unavailable or hosting.disk_quota_message()
    if unavailable:
        st.error(escape_markdown(unavailable))
        return
    job = TrainingJob(
        task,
        dataset_name,
        plan.items,
        seed,
        run_store(),
        strategy,
        hosting.visitor(),
        hosting.model_worker(),
    )
    if not hosting.enqueue(job):
        return
    state.set_training_job(job)
    st.rerun()


def _status_text(item: ModelProgress) -> str:
    if item.status == "training" and item.total_epochs:
        return (
            f"{item.title}: epoch {max(item.epoch, 1)}/{item.total_epochs}, "
            f"step {item.step}/{item.steps_per_epoch}"
        )
    if item.status == "training":
        return f"{item.title}: preparing data and model (TensorFlow loads once per job)"
    return f"{item.title}: {item.status}"


@st.fragment(run_every=1.0)
def training_monitor(job: TrainingJob) -> None:
    """Progress bars, live curves and the Stop button, refreshed every second; while every
    training slot is taken (hosted mode), the job's place in the line instead."""
    if job.done:
        st.rerun(scope="app")
    if hosting.waiting_in_line(job, key="leave_queue"):
        return
    st.subheader("Training")
    for item in job.items:
        st.progress(item.fraction_done, text=_status_text(item))
    curves = {item.title: item.history for item in job.items if item.history}
    if curves:
        st.plotly_chart(charts.training_curves(curves), key="live_curves")
    stop_button(
        job,
        key="stop",
        help="Stops between batches; the partly trained model is kept and recorded as "
        "stopped. Models still queued are skipped.",
    )


def job_outcome(job: TrainingJob) -> None:
    """One line per model of the last job: finished, stopped (and why), failed, skipped."""
    for item in job.items:
        note = f" {item.message}" if item.message else ""
        TERMINAL_NOTICE.get(item.status, st.info)(f"{item.title}: {item.status}.{note}")


def job_section() -> None:
    """The visitor's training job: live progress while it runs, then how each model ended."""
    job = state.training_job()
    if job is not None and not job.done:
        training_monitor(job)
    elif job is not None:
        state.collect_finished(
            job, run_store(), keep=hosting.models_kept(), load=hosting.trained_model
        )
        job_outcome(job)
