"""Learn: tensors, their shapes, and how a batch of images becomes sequences for an RNN."""

import streamlit as st

from dashboard import url_state
from dashboard.tensors_view import layout_explorer, tensor_inspector, tensors_url_fields

st.title("Learn: tensors")
st.caption(
    "Every model in seqlab takes tensors. Type one and see what TensorFlow reports, then "
    "follow a small batch through the layout moves a recurrent network makes."
)
url_state.sync("tensors", tensors_url_fields())
st.header("Build a tensor")
tensor_inspector()
st.header("Sequences: batch, time, features")
st.markdown(
    "On **Sequence classification** one 8x8 digit becomes 8 row vectors of 8 pixels: a batch "
    "of N digits is a tensor of shape `(N, 8, 8)`, read one timestep (row) at a time; an MNIST "
    "digit becomes 28 row vectors of 28 pixels, `(N, 28, 28)`."
)
layout_explorer()
st.page_link(
    "../pages/sequence_classification.py",
    label="See it on real digits: sequence classification",
    icon=":material/arrow_forward:",
)
