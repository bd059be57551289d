"""Predictive text: an n-gram baseline and LSTM language models, side by side as a keyboard."""

import streamlit as st

from core.task_names import TEXT_PREDICTION
from dashboard import state, url_state
from dashboard.components import seed_url_field
from dashboard.corpus_picker import corpus_picker, corpus_url_field
from dashboard.predictive_view import comparison, continuation, keyboard
from dashboard.run_downloads import run_downloads
from dashboard.training_panel import job_section, model_plan, plan_url_fields, start_button

TASK = TEXT_PREDICTION

st.title("Predictive text")
st.caption(
    "Does an LSTM suggest the next word better than counting n-grams? Train both on a corpus, "
    "compare them on held-out documents, then type and watch their suggestions."
)
url_state.sync(
    "predict",
    [
        corpus_url_field("predict.corpus"),
        *plan_url_fields(TASK, "predict.config"),
        seed_url_field("predict.seed"),
    ],
)
corpus = corpus_picker(key="predict.corpus")
if corpus is None:
    st.stop()
st.caption(
    f"{len(corpus.documents):,} documents, split by whole document into train (80%), "
    "validation (10%) and test (10%); one vocabulary of the 10,000 most frequent training "
    "words (seen at least twice) serves every model."
)

st.header("Train")
plan = model_plan(TASK, key="predict.config")
seed = int(
    st.number_input("Seed (split, initial weights, bootstrap)", value=0, step=1, key="predict.seed")
)
start_button(TASK, corpus.name, plan, seed)
job_section()

trained = state.trained_models(TASK, corpus.name)
st.header("Results")
if not trained:
    st.info("No language model trained on this corpus in this session yet.")
    st.stop()
comparison(trained)
st.subheader("Take a run away")
run_downloads([model.run for model in reversed(trained)], key="predict.download")
st.header("Try it")
keyboard(trained)
st.subheader("Continue a prompt")
continuation(trained)
