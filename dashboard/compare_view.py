"""The Compare page's parts: filters, the leaderboard, and McNemar's test between two runs."""

import streamlit as st

from core.comparison import paired_test
from core.errors import UserFacingError
from core.exports import spreadsheet_safe_csv
from core.store import RunRecord
from dashboard import charts
from dashboard.leaderboard import leaderboard_table
from dashboard.services import run_store

SIGNIFICANCE_LEVEL = 0.05


def leaderboard_filters(runs: list[RunRecord]) -> list[RunRecord]:
    """Filters on task, dataset, model and status; the runs that pass."""
    columns = st.columns(4)
    chosen = {}
    for column, field in zip(columns, ("task", "dataset", "model", "status"), strict=True):
        options = sorted({getattr(run, field) for run in runs})
        with column:
            chosen[field] = st.multiselect(
                field.capitalize(), options, key=f"compare.{field}", placeholder="all"
            )
    return [
        run
        for run in runs
        if all(not values or getattr(run, field) in values for field, values in chosen.items())
    ]


def leaderboard_view(runs: list[RunRecord]) -> None:
    if not runs:
        st.info("No run matches these filters.")
        return
    table = leaderboard_table(runs).sort_values("accuracy", ascending=False, na_position="last")
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "accuracy": st.column_config.NumberColumn(format="%.4f"),
            "macro-F1": st.column_config.NumberColumn(format="%.4f"),
            "train s": st.column_config.NumberColumn(format="%.1f"),
            "ms / example": st.column_config.NumberColumn(format="%.3f"),
        },
    )
    scored = [run for run in runs if "accuracy" in run.metrics]
    if scored:
        st.plotly_chart(
            charts.accuracy_with_intervals(
                scored, [f"{run.dataset} / {run.model} ({run.id[-6:]})" for run in scored]
            ),
            key="leaderboard_intervals",
        )
    st.download_button(
        "Download the table as CSV",
        spreadsheet_safe_csv(table),
        "seqlab-runs.csv",
        mime="text/csv",
        key="compare.csv",
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
        st.warning(str(error))
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
