"""Learn: the perceptron fitting y = Wx + b by gradient descent, beside least squares."""

import streamlit as st

from core.learn.line_data import LineDataConfig
from core.models.perceptron import PerceptronConfig
from dashboard import url_state
from dashboard.components import seed_url_field, settings_url_fields
from dashboard.perceptron_view import (
    data_settings,
    fit_section,
    last_run,
    show_data,
    show_result,
    train,
    training_settings,
)
from dashboard.run_downloads import run_downloads

st.title("Learn: the perceptron")
st.caption(
    "The simplest model there is: y = Wx + b, fitted by gradient descent in TensorFlow. "
    "The closed-form least-squares answer shows where it should end up."
)
url_state.sync(
    "perceptron",
    [
        *settings_url_fields(LineDataConfig(), "perceptron.data"),
        seed_url_field("perceptron.seed"),
        *settings_url_fields(PerceptronConfig(), "perceptron.training"),
    ],
)
st.header("Data")
data_config, seed = data_settings()
if data_config is None:
    st.stop()
show_data(data_config, seed)

st.header("Gradient descent")
config = training_settings()
if st.button("Train", type="primary", disabled=config is None, key="perceptron.train"):
    train(data_config, config, seed)
if fit_section():
    st.stop()  # hosted mode: the fit waits or runs in the model worker

run = last_run()
if run is not None:
    st.header("Gradient descent against least squares")
    show_result(run)
    st.subheader("Take the run away")
    run_downloads([run], key="perceptron.download")
