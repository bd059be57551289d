"""Text classification: TF-IDF baselines and recurrent networks on the same labelled texts."""

import streamlit as st

from core.task_names import TEXT_CLASSIFICATION
from dashboard import state, url_state
from dashboard.components import seed_url_field
from dashboard.results import results_side_by_side
from dashboard.run_downloads import run_downloads
from dashboard.services import availability
from dashboard.text_dataset_view import (
    text_dataset_overview,
    text_dataset_source,
    text_dataset_url_field,
)
from dashboard.text_try_it import error_browser, type_and_predict
from dashboard.training_panel import job_section, model_plan, plan_url_fields, start_button

TASK = TEXT_CLASSIFICATION

st.title("Text classification")
st.caption("Does an LSTM beat TF-IDF + logistic regression on these labelled texts?")
url_state.sync(
    "text",
    [
        text_dataset_url_field("text.dataset"),
        *plan_url_fields(TASK, "text.config"),
        seed_url_field("text.seed"),
    ],
)
info = text_dataset_source(key="text.dataset")
if info is None:
    st.stop()
data = text_dataset_overview(info)
if data is None:
    st.stop()

st.header("Train")
plan = model_plan(TASK, key="text.config")
seed = int(
    st.number_input("Seed (split, initial weights, bootstrap)", value=0, step=1, key="text.seed")
)
start_button(TASK, info.name, plan, seed, availability(info.name))
job_section()

trained = state.trained_models(TASK, info.name)
st.header("Results")
if not trained:
    st.info("No model trained on this dataset in this session yet.")
    st.stop()
results_side_by_side(trained, data.class_names)
st.subheader("Take a run away")
run_downloads([model.run for model in reversed(trained)], key="text.download")
st.subheader("Error browser")
error_browser(trained, data.class_names, key="text.errors")
st.header("Try it")
type_and_predict(trained, data.class_names, key="text.try")
