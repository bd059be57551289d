"""The Compare page's parts: the verdict, filters, the leaderboard with its charts, and
McNemar's test between two runs."""

from collections import defaultdict

import streamlit as st

from core.contest.verdict import NoVerdict, verdict
from core.contest.wording import SIGNIFICANCE_LEVEL
from core.errors import UserFacingError
from core.runs.comparison import paired_test
from core.runs.csv_exports import spreadsheet_safe_csv
from core.runs.store import RunRecord
from core.tasks.registry import main_metric
from dashboard import charts, hosting
from dashboard.highlight import escape_markdown
from dashboard.leaderboard import compare_table, family, model_title
from dashboard.services import run_store

FILTERS = {
    "task": lambda run: run.task,
    "dataset": lambda run: run.dataset,
    "model": lambda run: run.model,
    "family": family,
    "status": lambda run: run.status,
}


def verdict_choices(runs: list[RunRecord]) -> tuple[list[tuple[str, str]], tuple | None]:
    """The (task, dataset) pairs with a scored run, and the newest scored run's pair."""
    scored = [(run.task, run.dataset) for run in runs if main_metric(run.task, run.metrics)]
    return sorted(set(scored)), (scored[0] if scored else None)


def verdict_view(runs: list[RunRecord]) -> None:
    """For a chosen task and dataset: the best baseline against the best neural run, in one
    sentence (core/contest/verdict.py)."""
    choices, newest = verdict_choices(runs)
    if not choices:
        st.info("No run has test results yet: train a baseline and a neural model first.")
        return
    task, dataset = st.selectbox(
        "Task and dataset",
        choices,
        index=choices.index(newest),
        format_func=lambda choice: f"{choice[1]} ({choice[0]})",
        key="compare.verdict",
    )
    try:
        found = verdict(run_store(), task, dataset, visitor=hosting.visitor())
    except NoVerdict as error:
        st.info(escape_markdown(str(error)))
        return
    with st.container(border=True):
        st.markdown(f"**Verdict.** {escape_markdown(found.sentence)}")
        if found.note:
            st.caption(escape_markdown(found.note))
    st.caption(
        f"The best finished or stopped run of each family by test {found.metric.title}, paired "
        "on the same test examples: the interval is a paired bootstrap of the difference in "
        "per-example hits, p is McNemar's exact test on the examples only one model gets "
        "right, and the cost is the ratio of training seconds."
    )
    st.dataframe(
        compare_table([found.baseline, found.neural])[
            ["run", "model", "family", "metric", "score", "95% CI", "train s", "ms / prediction"]
        ],
        hide_index=True,
        column_config={
            "score": st.column_config.NumberColumn(format="%.4f"),
            "train s": st.column_config.NumberColumn(format="%.1f"),
            "ms / prediction": st.column_config.NumberColumn(format="%.3f"),
        },
        key="compare.verdict_runs",
    )


def leaderboard_filters(runs: list[RunRecord]) -> list[RunRecord]:
    """Filters on task, dataset, model, family and status; the runs that pass."""
    chosen = {}
    for column, (field, value_of) in zip(st.columns(len(FILTERS)), FILTERS.items(), strict=True):
        options = sorted({value_of(run) for run in runs})
        with column:
            chosen[field] = st.multiselect(
                field.capitalize(), options, key=f"compare.{field}", placeholder="all"
            )
    return [
        run
        for run in runs
        if all(not values or FILTERS[field](run) in values for field, values in chosen.items())
    ]


def _run_label(run: RunRecord) -> str:
    return f"{run.dataset} / {model_title(run)} ({run.id[-6:]})"


def leaderboard_view(runs: list[RunRecord]) -> None:
    if not runs:
        st.info("No run matches these filters.")
        return
    table = compare_table(runs, hosting.visitor()).sort_values(
        ["task", "score"], ascending=[True, False], na_position="last"
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "score": st.column_config.NumberColumn(format="%.4f"),
            "train s": st.column_config.NumberColumn(format="%.1f"),
            "ms / prediction": st.column_config.NumberColumn(format="%.3f"),
            "date": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
        key="compare.leaderboard",
    )
    st.download_button(
        "Download the table as CSV",
        spreadsheet_safe_csv(table),
        "seqlab-runs.csv",
        mime="text/csv",
        key="compare.csv",
    )
    _metric_charts(runs)
    _training_curves(runs)


def _metric_charts(runs: list[RunRecord]) -> None:
    """Per task and main metric: each run's score with its interval, and score against
    training time."""
    groups = defaultdict(list)
    for run in runs:
        metric = main_metric(run.task, run.metrics)
        if metric and f"{metric.key}_low" in run.metrics:
            groups[(run.task, metric)].append(run)
    for (task, metric), members in groups.items():
        st.subheader(f"{task}: test {metric.title}")
        labels = [_run_label(run) for run in members]
        left, right = st.columns(2)
        left.plotly_chart(
            charts.accuracy_with_intervals(members, labels, metric.key, metric.title),
            key=f"compare.intervals.{task}.{metric.key}",
        )
        timed = [index for index, run in enumerate(members) if run.train_seconds]
        right.plotly_chart(
            charts.metric_against_time(
                [members[index] for index in timed],
                [labels[index] for index in timed],
                [family(members[index]) for index in timed],
                metric.key,
                metric.title,
            ),
            key=f"compare.time.{task}.{metric.key}",
        )


def _training_curves(runs: list[RunRecord]) -> None:
    """The per-epoch curves of the runs the user picks, overlaid."""
    by_id = {run.id: run for run in runs if run.history}
    if not by_id:
        return
    chosen = st.multiselect(
        "Training curves of",
        list(by_id),
        default=list(by_id)[:2],
        format_func=lambda run_id: _run_label(by_id[run_id]),
        key="compare.curves",
    )
    if chosen:
        st.plotly_chart(
            charts.training_curves(
                {_run_label(by_id[run_id]): by_id[run_id].history for run_id in chosen}
            ),
            key="compare.training_curves",
        )


def _label(run: RunRecord) -> str:
    accuracy = run.metrics.get("accuracy")
    shown = f"{accuracy:.4f}" if accuracy is not None else run.status
    return f"{run.id}: {run.dataset} / {run.model} (seed {run.seed}, {shown})"


def significance_view(runs: list[RunRecord]) -> None:
    """McNemar's exact test between two runs scored on the same test examples."""
    scored = [run for run in runs if "accuracy" in run.metrics]
    if len(scored) < 2:
        st.info("Select at least two runs with test results to test their difference.")
        return
    left, right = st.columns(2)
    first = left.selectbox("First run", scored, format_func=_label, key="compare.first")
    second = right.selectbox(
        "Second run", scored, index=1, format_func=_label, key="compare.second"
    )
    if first.id == second.id:
        st.info("Pick two different runs.")
        return
    try:
        result = paired_test(run_store(), first, second)
    except UserFacingError as error:
        st.warning(escape_markdown(str(error)))
        return
    difference = first.metrics["accuracy"] - second.metrics["accuracy"]
    verdict = (
        "a significant difference"
        if result.p_value < SIGNIFICANCE_LEVEL
        else "no significant difference"
    )
    st.markdown(
        f"On the same {first.metrics['test_examples']} test examples, **{first.model}** got "
        f"{result.only_first_correct} right that **{second.model}** got wrong, and "
        f"{result.only_second_correct} the other way round. Accuracy difference "
        f"{difference * 100:+.2f} points; McNemar's exact test p = {result.p_value:.3g}: "
        f"**{verdict}** at the {SIGNIFICANCE_LEVEL:.0%} level."
    )
