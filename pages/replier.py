"""Replier: answer a message by TF-IDF retrieval, an LSTM dual encoder, or an encoder-decoder."""

import streamlit as st

from core.task_names import REPLY
from dashboard import state, url_state
from dashboard.components import seed_url_field
from dashboard.reply_view import (
    held_out_examples,
    reply_overview,
    reply_source,
    reply_url_field,
    results,
    try_repliers,
)
from dashboard.run_downloads import run_downloads
from dashboard.training_panel import job_section, model_plan, plan_url_fields, start_button

st.title("Replier")
st.caption(
    "The seeds' comment replier: does a neural model answer better than finding the most "
    "similar message seen before and giving its reply? Measured the Ubuntu Dialogue Corpus "
    "way: pick the true reply out of ten."
)
url_state.sync(
    "reply",
    [
        reply_url_field("reply.data"),
        seed_url_field("reply.seed"),
        *plan_url_fields(REPLY, "reply.config"),
    ],
)
name = reply_source(key="reply.data")
if name is None:
    st.stop()
seed = int(
    st.number_input("Seed (split, initial weights, bootstrap)", value=0, step=1, key="reply.seed")
)
data = reply_overview(name, seed)
if data is None:
    st.stop()

st.header("Train")
plan = model_plan(REPLY, key="reply.config")
start_button(REPLY, name, plan, seed)
job_section()

trained = [model for model in state.trained_models(REPLY, name) if model.run.seed == seed]
st.header("Results")
if not trained:
    st.info("No replier trained on this data and seed in this session yet.")
    st.stop()
results(trained, data)
st.subheader("Take a run away")
run_downloads([model.run for model in reversed(trained)], key="reply.download")
st.subheader("Held-out examples")
held_out_examples(trained, data)
st.header("Try it")
try_repliers(trained)
