"""Replier: answer a message by TF-IDF retrieval, an LSTM dual encoder, or an encoder-decoder."""

import streamlit as st

from core.task_names import REPLY
from dashboard.reply_view import (
    held_out_examples,
    reply_overview,
    reply_source,
    reply_url_field,
    results,
    try_repliers,
)
from dashboard.task_page import task_page

st.title("Replier")
st.caption(
    "The seeds' comment replier: does a neural model answer better than finding the most "
    "similar message seen before and giving its reply? Measured the Ubuntu Dialogue Corpus "
    "way: pick the true reply out of ten."
)
_, data, trained = task_page(
    REPLY,
    "reply",
    data_fields=[reply_url_field("reply.data")],
    choose=lambda: reply_source(key="reply.data"),
    dataset_name=lambda name: name,
    overview=reply_overview,
    seeded_data=True,
    results=results,
    nothing_trained="No replier trained on this data and seed in this session yet.",
)
st.subheader("Held-out examples")
held_out_examples(trained, data)
st.header("Try it")
try_repliers(trained)
