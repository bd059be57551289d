"""Sequence labelling: a tag for every character or word, window baseline against BiLSTM/GRU."""

import streamlit as st

from core.task_names import SEQUENCE_LABELLING
from dashboard.labelling_view import (
    labelling_overview,
    labelling_source,
    labelling_url_fields,
    results,
    try_taggers,
)
from dashboard.task_page import task_page

st.title("Sequence labelling")
st.caption(
    "A softmax at every step: put the spaces back into run-together text, or tag every word "
    "of your own tagged corpus. Does a BiLSTM beat logistic regression on a window of tokens?"
)
_, data, trained = task_page(
    SEQUENCE_LABELLING,
    "labelling",
    data_fields=labelling_url_fields("labelling.data"),
    choose=lambda: labelling_source(key="labelling.data"),
    dataset_name=lambda name: name,
    overview=labelling_overview,
    seeded_data=True,
    results=lambda models, _: results(models),
    nothing_trained="No tagger trained on this data and seed in this session yet.",
)
st.header("Try it")
try_taggers(trained, data)
