"""Sequence labelling: a tag for every character or word, window baseline against BiLSTM/GRU."""

import streamlit as st

from core.task_names import SEQUENCE_LABELLING
from dashboard import state, url_state
from dashboard.components import seed_url_field
from dashboard.labelling_view import (
    labelling_overview,
    labelling_source,
    labelling_url_fields,
    results,
    try_taggers,
)
from dashboard.run_downloads import run_downloads
from dashboard.training_panel import job_section, model_plan, plan_url_fields, start_button

TASK = SEQUENCE_LABELLING

st.title("Sequence labelling")
st.caption(
    "A softmax at every step: put the spaces back into run-together text, or tag every word "
    "of your own tagged corpus. Does a BiLSTM beat logistic regression on a window of tokens?"
)
url_state.sync(
    "labelling",
    [
        *labelling_url_fields("labelling.data"),
        seed_url_field("labelling.seed"),
        *plan_url_fields(TASK, "labelling.config"),
    ],
)
name = labelling_source(key="labelling.data")
if name is None:
    st.stop()
seed = int(
    st.number_input(
        "Seed (split, initial weights, bootstrap)", value=0, step=1, key="labelling.seed"
    )
)
data = labelling_overview(name, seed)
if data is None:
    st.stop()

st.header("Train")
plan = model_plan(TASK, key="labelling.config")
start_button(TASK, name, plan, seed)
job_section()

trained = [model for model in state.trained_models(TASK, name) if model.run.seed == seed]
st.header("Results")
if not trained:
    st.info("No tagger trained on this data and seed in this session yet.")
    st.stop()
results(trained)
st.subheader("Take a run away")
run_downloads([model.run for model in reversed(trained)], key="labelling.download")
st.header("Try it")
try_taggers(trained, data)
