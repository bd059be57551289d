"""Side-by-side results of the models this visitor trained on one dataset."""

from collections.abc import Callable

import numpy as np
import streamlit as st

from core.runs.comparison import held_out_examples
from dashboard import charts
from dashboard.leaderboard import leaderboard_table, per_class_f1_table
from dashboard.services import run_store
from dashboard.state import TrainedModel

MISCLASSIFIED_SHOWN = 10


def results_side_by_side(
    models: list[TrainedModel],
    class_names: tuple[str, ...],
    below_each: Callable[[TrainedModel, tuple[str, ...]], None] | None = None,
) -> None:
    """Metrics table, intervals, training curves, per-class F1 and confusion matrices.

    `below_each` adds a view under each model's confusion matrix (misclassified images).
    """
    runs = [trained.run for trained in models]
    labels = [trained.label for trained in models]
    st.dataframe(leaderboard_table(runs), hide_index=True)
    st.plotly_chart(
        charts.accuracy_with_intervals(runs, labels),
        key="result_intervals",
    )
    st.plotly_chart(
        charts.training_curves({trained.label: trained.run.history for trained in models}),
        key="result_curves",
    )
    st.caption("Test F1 per class")
    per_class = per_class_f1_table(runs, labels).style.format("{:.3f}")
    st.dataframe(per_class.highlight_max(axis=1, props="font-weight: bold; color: #1a7f37"))
    columns = st.columns(min(len(models), 3))
    for index, trained in enumerate(models):
        with columns[index % len(columns)]:
            st.plotly_chart(
                charts.confusion_matrix(
                    trained.run.metrics["confusion_matrix"],
                    class_names,
                    f"{trained.title}: {trained.run.metrics['test_examples']} test examples",
                ),
                key=f"confusion.{trained.run.id}",
            )
            if below_each:
                below_each(trained, class_names)


def misclassified_images(trained: TrainedModel, class_names: tuple[str, ...]) -> None:
    images, y_true, y_pred = held_out_examples(run_store(), trained.run)
    wrong = np.flatnonzero(y_true != y_pred)
    if wrong.size == 0:
        st.caption("No test image misclassified.")
        return
    shown = wrong[:MISCLASSIFIED_SHOWN]
    st.caption(f"{wrong.size} misclassified; the first {shown.size} (true -> predicted):")
    st.plotly_chart(
        charts.image_grid(
            images[shown],
            [f"{class_names[y_true[i]]}->{class_names[y_pred[i]]}" for i in shown],
            columns=5,
        ),
        key=f"wrong.{trained.run.id}",
    )
