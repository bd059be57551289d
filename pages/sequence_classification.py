"""Sequence classification: images read row by row by a baseline and by RNNs, side by side."""

import streamlit as st

from core.task_names import SEQUENCE_CLASSIFICATION
from dashboard.components import dataset_picker, dataset_url_field
from dashboard.dataset_view import dataset_overview
from dashboard.results import misclassified_images, results_side_by_side
from dashboard.services import availability
from dashboard.task_page import task_page
from dashboard.try_it import draw_and_predict

TASK = SEQUENCE_CLASSIFICATION

st.title("Sequence classification")
st.caption("Each image is read as a sequence: one row of pixels per timestep.")
info, data, trained = task_page(
    TASK,
    "sequence",
    data_fields=[dataset_url_field(TASK, "sequence.dataset")],
    choose=lambda: dataset_picker(TASK, key="sequence.dataset"),
    overview=dataset_overview,
    results=lambda models, data: results_side_by_side(
        models, data.class_names, below_each=misclassified_images
    ),
    nothing_trained="No model trained on this dataset in this session yet.",
    availability=availability,
    stop_if_untrained=False,  # the canvas below says to train a model first
)
st.header("Try it: draw a digit")
draw_and_predict(info, trained, data.class_names, data.timesteps)
