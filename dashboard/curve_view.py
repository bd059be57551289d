"""The Compare page's learning curve: choose, start in the background, watch, stop, plot."""

import pandas as pd
import streamlit as st

from core.contest.learning_curves import (
    DEFAULT_FRACTIONS,
    DEFAULT_SEEDS,
    MAX_SEEDS,
    CurveSettings,
    LearningCurve,
    cached_curves,
    check_curve_settings,
)
from core.data.datasets import datasets_for
from core.hosting import capped_defaults
from core.models.registry import MODELS, ModelSpec, models_for
from core.runtime.curve_jobs import CurveJob
from core.task_names import TASKS
from dashboard import charts, hosting, state, url_state
from dashboard.components import attempt, dataset_picker, stop_button
from dashboard.highlight import escape_markdown

FRACTION_CHOICES = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0)
# Tasks whose datasets the shared picker lists; the CLI's `curve` also takes the others.
CURVE_TASKS = tuple(task for task in TASKS if datasets_for(task))

MOST_EPOCHS = 500  # the epochs input's own bound; core applies hosted mode's cap


def _baselines(task: str) -> list[ModelSpec]:
    return [spec for spec in models_for(task) if spec.family == "baseline"]


def _neural_models(task: str) -> list[ModelSpec]:
    return [spec for spec in models_for(task) if spec.family == "neural"]


def _default_neural(task: str) -> ModelSpec:
    """The LSTM where the task has one, else its first neural model."""
    specs = _neural_models(task)
    return next((spec for spec in specs if spec.name == "lstm"), specs[0])


def curve_url_fields() -> list[url_state.UrlField]:
    """The learning curve's settings in a link: `curve.task=`, per task `curve.<task>.dataset=`,
    `.baseline=` and `.neural=` (model names), and `curve.fractions=0.1,0.5`, `curve.seeds=`,
    `curve.epochs=`."""
    fields = [url_state.choice("curve.task", "curve.task", CURVE_TASKS)]
    for task in CURVE_TASKS:
        fields += [
            url_state.choice(
                f"curve.{task}.dataset",
                f"curve.dataset.{task}",
                datasets_for(task),
                name=lambda info: info.name,
            ),
            url_state.choice(
                f"curve.{task}.baseline",
                f"curve.baseline.{task}",
                _baselines(task),
                name=lambda spec: spec.name,
            ),
            url_state.choice(
                f"curve.{task}.neural",
                f"curve.neural.{task}",
                _neural_models(task),
                name=lambda spec: spec.name,
                default=_default_neural(task),
            ),
        ]
    return fields + [
        url_state.choices(
            "curve.fractions",
            "curve.fractions",
            FRACTION_CHOICES,
            DEFAULT_FRACTIONS,
            name=lambda fraction: f"{fraction:g}",
        ),
        url_state.value("curve.seeds", "curve.seeds", DEFAULT_SEEDS, 1, MAX_SEEDS),
        url_state.value(
            "curve.epochs",
            "curve.epochs",
            capped_defaults(_default_neural(CURVE_TASKS[0])).epochs,
            1,
            MOST_EPOCHS,
        ),
    ]


def curve_settings() -> CurveSettings | None:
    """Task, dataset, the two models, fractions, seeds and the neural model's epochs."""
    left, right = st.columns(2)
    with left:
        task = st.selectbox(
            "Task", CURVE_TASKS, format_func=lambda name: TASKS[name], key="curve.task"
        )
        dataset = dataset_picker(task, key=f"curve.dataset.{task}")
    with right:
        baseline = st.selectbox(
            "Baseline",
            _baselines(task),
            format_func=lambda spec: spec.title,
            key=f"curve.baseline.{task}",
        )
        neural_specs = _neural_models(task)
        neural = st.selectbox(
            "Neural model",
            neural_specs,
            index=neural_specs.index(_default_neural(task)),
            format_func=lambda spec: spec.title,
            key=f"curve.neural.{task}",
        )
    columns = st.columns(3)
    fractions = columns[0].multiselect(
        "Fractions of the training set",
        FRACTION_CHOICES,
        default=DEFAULT_FRACTIONS,
        format_func=lambda fraction: f"{fraction:.0%}",
        key="curve.fractions",
    )
    seeds = columns[1].number_input(
        "Seeds per size", 1, MAX_SEEDS, DEFAULT_SEEDS, key="curve.seeds"
    )
    epochs = columns[2].number_input(  # in hosted mode from the cap, which core enforces
        f"{neural.title} epochs", 1, MOST_EPOCHS, capped_defaults(neural).epochs, key="curve.epochs"
    )
    if not fractions:
        st.warning("Choose at least one fraction of the training set.")
        return None
    settings = CurveSettings(
        task,
        dataset.name,
        baseline.name,
        neural.name,
        tuple(sorted(fractions)),
        int(seeds),
        model_settings={"epochs": int(epochs)},
    )
    if attempt(lambda: check_curve_settings(settings)) is None:  # out of bounds: said why
        return None
    return settings


def start_curve_button(settings: CurveSettings | None) -> None:
    job = state.curve_job()
    busy = job is not None and not job.done
    if st.button(
        "Compute the learning curve",
        type="primary",
        disabled=busy or settings is None,
        key="curve.start",
        help="Trains both models on each fraction with each seed, in the background; every "
        "point is scored on the whole held-out test set.",
    ):
        job = CurveJob(settings, hosting.model_worker(), visitor=hosting.visitor())
        if not hosting.enqueue(job):  # in hosted mode it may wait for a free slot
            return
        state.set_curve_job(job)
        st.rerun()


@st.fragment(run_every=1.0)
def curve_monitor(job: CurveJob) -> None:
    """Progress, the points so far, and the Stop button, refreshed every second."""
    if job.done:
        st.rerun(scope="app")
    if hosting.waiting_in_line(job, key="curve.leave_queue"):
        return
    done = len(job.points)
    where = (
        f", epoch {max(job.epoch, 1)}/{job.total_epochs}" if job.total_epochs and job.epoch else ""
    )
    total = job.total_points or "?"
    st.progress(
        job.fraction_done,
        text=f"Point {min(done + 1, job.total_points or 1)} of {total}: "
        f"{escape_markdown(job.description)}{where}",
    )
    if job.points:
        st.plotly_chart(
            charts.learning_curve(_partial(job), _titles(job.settings)), key="curve.live"
        )
    stop_button(
        job,
        key="curve.stop",
        help="Stops between batches; the points already scored are kept and the curve is "
        "marked partial.",
    )


def _partial(job: CurveJob) -> LearningCurve:
    return LearningCurve(job.settings, None, None, list(job.points), complete=False)


def _titles(settings: CurveSettings) -> dict[str, str]:
    return {
        name: MODELS[(settings.task, name)].title for name in (settings.baseline, settings.model)
    }


def curve_result(curve: LearningCurve) -> None:
    """The chart, the crossover in words, and the per-size table."""
    if not curve.points:
        st.warning(escape_markdown(curve.message or "The curve has no points."))
        return
    if not curve.complete:
        st.warning(escape_markdown(curve.message))
    titles = _titles(curve.settings)
    st.markdown(f"**{escape_markdown(curve.crossover_text())}**")
    st.plotly_chart(charts.learning_curve(curve, titles), key="curve.chart")
    table = pd.DataFrame(curve.summary()).astype({"low": float, "high": float})
    table = table.dropna(axis="columns", how="all")  # no interval from a single seed
    table["model"] = table["model"].map(titles)
    st.dataframe(
        table.rename(columns={"mean": f"mean test {curve.metric_title}"}),
        hide_index=True,
        column_config={"fraction": st.column_config.NumberColumn(format="percent")},
        key="curve.table",
    )
    st.caption(
        f"{curve.settings.seeds} seed(s) per size, split seed {curve.settings.split_seed}: "
        "each seed draws its own stratified subset and initialises the model; the interval is "
        "a 95% t-interval over the seeds (none from a single seed)."
    )


def learning_curve_section() -> None:
    settings = curve_settings()
    start_curve_button(settings)
    job = state.curve_job()
    if job is not None and not job.done:
        curve_monitor(job)
        return
    if job is not None and job.error:
        st.error(escape_markdown(job.error))
        return
    shown = job.curve if job is not None else None
    if shown is None and settings is not None:
        shown = next(
            (
                curve
                for curve in cached_curves(settings.task, settings.dataset, hosting.visitor())
                if (curve.settings.baseline, curve.settings.model)
                == (settings.baseline, settings.model)
            ),
            None,
        )
        if shown is not None:
            st.caption("The last curve computed for these models on this dataset:")
    if shown is not None:
        curve_result(shown)
