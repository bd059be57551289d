"""Sequence classification: images read row by row by a baseline and by RNNs, side by side."""

import streamlit as st

from core.task_names import SEQUENCE_CLASSIFICATION
from dashboard import state, url_state
from dashboard.components import dataset_picker, dataset_url_field, seed_url_field
from dashboard.dataset_view import dataset_overview
from dashboard.results import misclassified_images, results_side_by_side
from dashboard.run_downloads import run_downloads
from dashboard.services import availability
from dashboard.training_panel import job_section, model_plan, plan_url_fields, start_button
from dashboard.try_it import draw_and_predict

TASK = SEQUENCE_CLASSIFICATION

st.title("Sequence classification")
st.caption("Each image is read as a sequence: one row of pixels per timestep.")
url_state.sync(
    "sequence",
    [
        dataset_url_field(TASK, "sequence.dataset"),
        *plan_url_fields(TASK, "sequence.config"),
        seed_url_field("sequence.seed"),
    ],
)
info = dataset_picker(TASK, key="sequence.dataset")
data = dataset_overview(info)
if data is None:
    st.stop()

st.header("Train")
plan = model_plan(TASK, key="sequence.config")
seed = int(
    st.number_input(
        "Seed (split, initial weights, bootstrap)", value=0, step=1, key="sequence.seed"
    )
)
start_button(TASK, info.name, plan, seed, availability(info.name))

job_section()

trained = state.trained_models(TASK, info.name)
st.header("Results")
if trained:
    results_side_by_side(trained, data.class_names, below_each=misclassified_images)
    st.subheader("Take a run away")
    run_downloads([model.run for model in reversed(trained)], key="sequence.download")
else:
    st.info("No model trained on this dataset in this session yet.")

st.header("Try it: draw a digit")
draw_and_predict(info, trained, data.class_names, data.timesteps)
