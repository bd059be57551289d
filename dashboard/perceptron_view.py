"""The perceptron page's parts: the data, a live gradient-descent fit, and the comparison."""

import numpy as np
import pandas as pd
import streamlit as st

from core.configs import with_overrides
from core.learn.line_data import LineDataConfig, make_line_data, parse_slopes
from core.models.perceptron import PerceptronConfig
from core.progress import TrainingObserver
from core.runs.store import RunRecord
from core.runtime.line_fit_jobs import LineFitJob
from core.tasks.regression import PendingFit, complete_line_fit, split_settings, start_line_fit
from dashboard import charts, hosting
from dashboard.components import settings_form, stop_button, validated
from dashboard.services import run_store

LAST_FIT = "perceptron.run_id"  # session_state: the visitor's latest perceptron run
FIT_JOB = "perceptron.fit_job"  # session_state: (LineFitJob, _LiveView), hosted mode
REFRESHES = 40  # chart updates per training run


def data_settings() -> tuple[LineDataConfig | None, int]:
    values = settings_form(LineDataConfig(), key="perceptron.data")
    seed = int(
        st.number_input("Seed (noise and feature order)", value=0, step=1, key="perceptron.seed")
    )

    def build() -> LineDataConfig:
        config = with_overrides(LineDataConfig(), values)
        parse_slopes(config.slopes)  # a clear message for slopes that are not numbers
        return config

    return validated("Data", build), seed


def training_settings() -> PerceptronConfig | None:
    values = settings_form(PerceptronConfig(), key="perceptron.training")
    return validated("Training", lambda: with_overrides(PerceptronConfig(), values))


def show_data(config: LineDataConfig, seed: int) -> None:
    data = make_line_data(config, seed)
    if data.X.shape[1] == 1:
        st.plotly_chart(charts.line_fit(data.X, data.y, {}), key="data_scatter")
    else:
        st.caption(
            f"{data.X.shape[1]} features: the fit is shown as predictions against the "
            "true values once trained."
        )


class _LiveView(TrainingObserver):
    """The fit's progress bar, cost curve and moving line: drawn a few dozen times per run
    into `placeholders` as the epochs come, or, without them, kept for `draw` to show."""

    def __init__(self, fit_data, placeholders: tuple | None = None) -> None:
        self.data, self.placeholders = fit_data, placeholders
        self.history: list[dict] = []
        self.total = self.every = 1

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.total, self.every = total_epochs, max(1, total_epochs // REFRESHES)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.history.append(logs)
        if self.placeholders and (epoch % self.every == 0 or epoch == self.total):
            self.draw(*self.placeholders)

    def draw(self, bar, curve, line) -> None:
        if not self.history:
            return
        epoch, logs = len(self.history), self.history[-1]
        bar.progress(
            epoch / self.total, text=f"epoch {epoch}/{self.total}, cost {logs['loss']:.4g}"
        )
        curve.plotly_chart(charts.loss_curve(self.history), key=f"live_cost.{epoch}")
        if self.data.X.shape[1] == 1:
            line.plotly_chart(
                charts.line_fit(
                    self.data.X,
                    self.data.y,
                    {"gradient descent": (logs["weights"][0], logs["intercept"])},
                ),
                key=f"live_line.{epoch}",
            )


def train(data_config: LineDataConfig, config: PerceptronConfig, seed: int) -> None:
    """Fit with live charts: here in the foreground, where any click meanwhile stops it
    (recorded); in hosted mode in the model worker, queued like any training."""
    store = run_store()
    pending = start_line_fit(store, data_config, config, seed, hosting.visitor())
    worker = hosting.model_worker()
    if worker is not None:
        _queue_fit(LineFitJob(store, pending, worker, visitor=hosting.visitor()), pending)
        return
    st.session_state[LAST_FIT] = pending.run_id
    st.button(
        "Stop",
        key="perceptron.stop",
        help="Stops after the current step; the weights reached are kept and recorded.",
    )
    complete_line_fit(store, pending, _LiveView(pending.data, (st.empty(), st.empty(), st.empty())))
    st.rerun()


def _queue_fit(job: LineFitJob, pending: PendingFit) -> None:
    """Hosted mode: the fit waits in the line of trainings, then runs in the model worker,
    drawn here by `fit_section` as its epochs come back. A refused fit leaves no run."""
    if not hosting.enqueue(job):
        run_store().delete(pending.run_id)
        return
    st.session_state[LAST_FIT] = pending.run_id
    st.session_state[FIT_JOB] = (job, _LiveView(pending.data))
    st.rerun()


def fit_section() -> bool:
    """Hosted mode: the queued fit's place in line or its live progress (True while it waits
    or runs), then why it failed, if it did."""
    queued = st.session_state.get(FIT_JOB)
    if queued is None:
        return False
    job, view = queued
    if not job.done:
        _fit_monitor(job, view)
        return True
    if job.error:
        st.error(job.error)
    return False


@st.fragment(run_every=0.5)
def _fit_monitor(job: LineFitJob, view: _LiveView) -> None:
    if job.done:
        st.rerun(scope="app")
    if hosting.waiting_in_line(job, key="perceptron.leave_queue"):
        return
    job.replay(view)
    view.draw(st.empty(), st.empty(), st.empty())
    stop_button(
        job,
        key="perceptron.stop",
        help="Stops after the current step; the weights reached are kept and recorded.",
    )


def last_run() -> RunRecord | None:
    """The visitor's latest perceptron run, as stored (also when a click interrupted it)."""
    run_id = st.session_state.get(LAST_FIT)
    return None if run_id is None else run_store().get(run_id)


def show_result(run: RunRecord) -> None:
    """The stored outcome beside the closed form; the data are rebuilt from config and seed."""
    data_config, _ = split_settings(run.config)
    data = make_line_data(data_config, run.seed)
    if run.status == "failed":
        st.error(run.message)
    elif run.status == "stopped":
        st.warning(run.message)
    if run.history:
        st.plotly_chart(charts.loss_curve(run.history), key="final_cost")
    metrics = run.metrics
    if not metrics:
        return
    gradient = (np.asarray(metrics["weights"]), metrics["intercept"])
    closed = (np.asarray(metrics["closed_form_weights"]), metrics["closed_form_intercept"])
    if data.X.shape[1] == 1:
        st.plotly_chart(
            charts.line_fit(
                data.X,
                data.y,
                {
                    "gradient descent": (gradient[0][0], gradient[1]),
                    "least squares": (closed[0][0], closed[1]),
                },
            ),
            key="final_line",
        )
    else:
        st.plotly_chart(
            charts.predicted_against_actual(
                data.y,
                {
                    "gradient descent": data.X @ gradient[0] + gradient[1],
                    "least squares": data.X @ closed[0] + closed[1],
                },
            ),
            key="final_predictions",
        )
    names = [f"W{index + 1}" for index in range(len(gradient[0]))] + ["b"]
    st.dataframe(
        pd.DataFrame(
            {
                "parameter": names,
                "gradient descent": [*gradient[0], gradient[1]],
                "least squares": [*closed[0], closed[1]],
                "true": [*metrics["true_slopes"], metrics["true_intercept"]],
            }
        ),
        hide_index=True,
    )
    within = metrics["epochs_to_within_1_percent"]
    st.markdown(
        f"Cost: gradient descent **{metrics['final_cost']:.6g}**, least squares "
        f"**{metrics['closed_form_cost']:.6g}**. Gradient descent is "
        f"{metrics['relative_difference']:.2%} from the closed-form answer"
        + (
            f" and came within 1% at epoch **{within}**."
            if within
            else ": it has **not** come within 1% in these epochs."
        )
        + f" Plain gradient descent is stable here for learning rates below "
        f"{metrics['stable_learning_rate']:.3g}."
    )
