"""Text classification: TF-IDF baselines and recurrent networks on the same labelled texts."""

import streamlit as st

from core.task_names import TEXT_CLASSIFICATION
from dashboard.results import results_side_by_side
from dashboard.services import availability
from dashboard.task_page import task_page
from dashboard.text_dataset_view import (
    text_dataset_overview,
    text_dataset_source,
    text_dataset_url_field,
)
from dashboard.text_try_it import error_browser, type_and_predict

st.title("Text classification")
st.caption("Does an LSTM beat TF-IDF + logistic regression on these labelled texts?")
_, data, trained = task_page(
    TEXT_CLASSIFICATION,
    "text",
    data_fields=[text_dataset_url_field("text.dataset")],
    choose=lambda: text_dataset_source(key="text.dataset"),
    overview=text_dataset_overview,
    results=lambda models, data: results_side_by_side(models, data.class_names),
    nothing_trained="No model trained on this dataset in this session yet.",
    availability=availability,
)
st.subheader("Error browser")
error_browser(trained, data.class_names, key="text.errors")
st.header("Try it")
type_and_predict(trained, data.class_names, key="text.try")
