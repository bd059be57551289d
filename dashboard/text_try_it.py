"""Where text models go wrong, and what they answer for a text the visitor types."""

import numpy as np
import pandas as pd
import streamlit as st

from core.models.baselines.tfidf_classifiers import TfidfNearestNeighbours
from core.models.explain import word_influence
from core.models.registry import MODELS
from core.runs.comparison import held_out_examples
from dashboard import charts
from dashboard.highlight import escape_markdown, highlighted
from dashboard.services import run_store
from dashboard.state import TrainedModel

ANY = "(any)"
ERRORS_SHOWN = 200
NEIGHBOURS_SHOWN = 3


def error_browser(models: list[TrainedModel], class_names: tuple[str, ...], key: str) -> None:
    """The test texts a chosen model got wrong, filterable by true and predicted class."""
    trained = st.selectbox("Model", models, format_func=lambda item: item.label, key=f"{key}.model")
    texts, y_true, y_pred = held_out_examples(run_store(), trained.run)
    left, right = st.columns(2)
    true_class = left.selectbox("True class", (ANY, *class_names), key=f"{key}.true")
    predicted_class = right.selectbox("Predicted", (ANY, *class_names), key=f"{key}.predicted")
    wrong = y_true != y_pred
    if true_class != ANY:
        wrong &= y_true == class_names.index(true_class)
    if predicted_class != ANY:
        wrong &= y_pred == class_names.index(predicted_class)
    indices = np.flatnonzero(wrong)
    shown_note = f"; the first {ERRORS_SHOWN} shown" if indices.size > ERRORS_SHOWN else ""
    st.caption(
        f"{indices.size} wrongly classified test texts match the filters "
        f"({int((y_true != y_pred).sum())} errors in {len(y_true)} test texts){shown_note}."
    )
    shown = indices[:ERRORS_SHOWN]
    st.dataframe(
        pd.DataFrame(
            {
                "text": texts[shown],
                "true": [class_names[label] for label in y_true[shown]],
                "predicted": [class_names[label] for label in y_pred[shown]],
            }
        ),
        hide_index=True,
        key=f"{key}.table",
    )


def type_and_predict(models: list[TrainedModel], class_names: tuple[str, ...], key: str) -> None:
    """Every trained model's label and probabilities for one typed text, side by side."""
    text = st.text_area("Type or paste a text", key=f"{key}.text", height=100)
    if not text.strip():
        st.info("Type a text above to see what each model says about it.")
        return
    probabilities = {
        trained.label: trained.model.predict_proba(np.asarray([text], dtype=object))[0]
        for trained in models
    }
    st.plotly_chart(charts.probability_bars(probabilities, class_names), key=f"{key}.probabilities")
    columns = st.columns(min(len(models), 3))
    for index, trained in enumerate(models):
        with columns[index % len(columns)]:
            values = probabilities[trained.label]
            answer = class_names[int(np.argmax(values))]
            st.markdown(
                f"**{escape_markdown(trained.label)}**: {escape_markdown(answer)} "
                f"({values.max():.0%})"
            )
            if MODELS[(trained.run.task, trained.run.model)].family == "baseline":
                _explain(trained, text)


def _explain(trained: TrainedModel, text: str) -> None:
    predicted, words = word_influence(trained.model, text)
    if words:
        st.markdown(highlighted(text, words))
        st.caption(
            "Green words push towards this answer, red ones away from it: the change in the "
            "answer's log-odds when the word is left out."
        )
    if isinstance(trained.model, TfidfNearestNeighbours):
        [neighbours] = trained.model.nearest([text], NEIGHBOURS_SHOWN)
        st.caption("Most similar training texts:")
        st.dataframe(
            pd.DataFrame(neighbours, columns=["training text", "class", "similarity"]),
            hide_index=True,
        )
