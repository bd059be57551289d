"""The Contest page's controls: the data, the budget, and a contest or a sweep started in the
background, watched and stopped (core/runtime/contest_jobs.py)."""

import time
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.contest.contest import hosted_contest_budget_limit
from core.contest.sweeps import Trial
from core.contest.tuning import MINIMUM_BUDGET_SECONDS, hosted_budget_limit
from core.data.dataset_info import DatasetInfo
from core.runtime.contest_jobs import CONTEST, TUNE, ContestJob, ContestRequest
from core.task_names import TASKS, TEXT_CLASSIFICATION
from core.tasks.registry import task as task_named
from dashboard import hosting, state
from dashboard.components import LARGEST_SEED, dataset_picker, stop_button
from dashboard.highlight import escape_markdown
from dashboard.services import availability, run_store
from dashboard.text_dataset_view import text_dataset_source

# The tasks that can be tuned: those whose task holds out a validation part for it.
TUNABLE_TASKS = tuple(name for name in TASKS if task_named(name).tuning_view is not None)
MOST_LOCAL_BUDGET = 3600  # seconds: an hour, the input's own bound outside hosted mode
DEFAULT_BUDGETS = {CONTEST: 60, TUNE: 30}  # seconds: a minute's contest, half a minute's sweep


def choose_data(key: str) -> tuple[str, DatasetInfo | None, int]:
    """The task, its dataset (with the task pages' own pickers: an upload for texts; None
    until one is ready) and the seed of split, inits and draws."""
    left, right = st.columns(2)
    with left:
        task = st.selectbox(
            "Task", TUNABLE_TASKS, format_func=lambda name: TASKS[name], key=f"{key}.task"
        )
        seed = st.number_input(
            "Seed (split, initial weights, draws)", 0, LARGEST_SEED, 0, key=f"{key}.seed"
        )
    with right:
        if task == TEXT_CLASSIFICATION:
            dataset = text_dataset_source(key=f"{key}.text")
        else:
            dataset = dataset_picker(task, key=f"{key}.dataset.{task}")
    return task, dataset, int(seed)


def budget_input(kind: str, help: str) -> int:
    """Seconds of tuning: at least the tuner's minimum, at most an hour here or, on a shared
    server, what fits within one job's deadline."""
    if hosting.settings().hosted:
        limit = hosted_contest_budget_limit() if kind == CONTEST else hosted_budget_limit()
        most = int(limit)
    else:
        most = MOST_LOCAL_BUDGET
    return int(
        st.number_input(
            "Tuning budget (seconds)",
            min_value=MINIMUM_BUDGET_SECONDS,
            max_value=most,
            value=min(DEFAULT_BUDGETS[kind], most),
            step=5,
            key=f"{kind}.budget",
            help=help,
        )
    )


def running_job() -> ContestJob | None:
    """The visitor's contest or sweep still running (one at a time on this page)."""
    jobs = (state.contest_job(kind) for kind in (CONTEST, TUNE))
    return next((job for job in jobs if job is not None and not job.done), None)


def start_button(request: ContestRequest | None, label: str, help: str) -> None:
    """Start `request` in the background (None: the data is not chosen yet); disabled while
    this visitor's other contest or sweep runs."""
    kind = CONTEST if request is None or request.model is None else TUNE
    if not st.button(
        label,
        type="primary",
        disabled=request is None or running_job() is not None,
        key=f"{kind}.start",
        help=help,
    ):
        return
    unavailable = availability(request.dataset) or hosting.disk_quota_message()
    if unavailable:
        st.error(escape_markdown(unavailable))
        return
    job = ContestJob(request, run_store(), hosting.model_worker(), visitor=hosting.visitor())
    if not hosting.enqueue(job):  # in hosted mode it may wait for a free slot
        return
    state.set_contest_job(job)
    st.rerun()


def _progress_text(job: ContestJob) -> str:
    if job.kind == CONTEST:
        where = (
            f"[{job.stage_index}/{job.stage_total}] {job.stage}"
            if job.stage
            else "Loading the data"
        )
    else:
        spent = time.monotonic() - job.started_at if job.started_at else 0.0
        where = f"{min(spent, job.request.budget_seconds):.0f} of {job.request.budget_seconds} s"
        if job.trial_number is None and not job.trials:
            where += ", loading the data"
    if job.trial_number is not None:
        where += f", trial {job.trial_number}"
        if job.total_epochs:
            where += f", epoch {max(job.epoch, 1)}/{job.total_epochs}"
    return escape_markdown(where)


def trial_row(trial: Trial) -> dict:
    """A trial's columns in a table: how it ended, its validation score and what it cost."""
    epochs = f"{trial.epochs_trained}/{trial.epochs_planned}" if trial.epochs_planned else "-"
    return {
        "trial": trial.number,
        "state": trial.state,
        "validation accuracy": trial.score,
        "epochs": epochs,
        "seconds": trial.seconds,
    }


def settings_text(settings: dict) -> str:
    """A trial's drawn settings on one line: "units=64, dropout=0.12"."""
    return ", ".join(
        f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in settings.items()
    )


TRIAL_COLUMNS = {
    "validation accuracy": st.column_config.NumberColumn(format="%.4f"),
    "seconds": st.column_config.NumberColumn(format="%.1f"),
}


def _live_trials(job: ContestJob) -> pd.DataFrame:
    rows = [
        {**({"rung": seen.stage} if job.kind == CONTEST else {}), **trial_row(seen.trial)}
        | {"settings": settings_text(seen.trial.settings)}
        for seen in reversed(job.trials)
    ]
    return pd.DataFrame(rows)


@st.fragment(run_every=1.0)
def job_monitor(job: ContestJob) -> None:
    """Progress, each trial's score as it ends (newest first), and Stop, every second; while
    every slot is taken (hosted mode), the job's place in the line instead."""
    if job.done:
        st.rerun(scope="app")
    if hosting.waiting_in_line(job, key=f"{job.kind}.leave_queue"):
        return
    st.progress(job.fraction_done, text=_progress_text(job))
    if job.trials:
        st.dataframe(
            _live_trials(job),
            hide_index=True,
            placeholder="-",
            column_config=TRIAL_COLUMNS,
            key=f"{job.kind}.live",
        )
    stop_button(
        job,
        key=f"{job.kind}.stop",
        help="Stops between batches and keeps what finished: the trials scored so far, and "
        "for a contest the verdict on the rungs tuned so far.",
    )


def job_section(kind: str) -> ContestJob | None:
    """The visitor's job of `kind`: watched while it runs; once it has ended, why it ended
    badly (if it did). The ended job, for its result; None while one runs or none ran."""
    job = state.contest_job(kind)
    if job is None:
        return None
    if not job.done:
        job_monitor(job)
        return None
    if job.error:
        st.error(escape_markdown(job.error))
    elif job.stop_reason:
        st.warning(escape_markdown(job.stop_reason))
    return job


def trial_table(trials: Sequence[Trial], searched: Sequence[str], key: str) -> None:
    """A sweep's trials best first: one column per searched setting."""
    ranked = sorted(
        trials, key=lambda trial: (trial.score is None, not trial.complete, -(trial.score or 0))
    )
    rows = [
        {**trial_row(trial), **{name: trial.settings.get(name) for name in searched}}
        | {"note": trial.note}
        for trial in ranked
    ]
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, placeholder="-", column_config=TRIAL_COLUMNS, key=key
    )
