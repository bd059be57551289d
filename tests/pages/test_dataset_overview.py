"""The sequence page's dataset overview in hosted mode: shown from a preview made in the model
worker, so the app process keeps no dataset loaded."""

import streamlit as st

from core.data.datasets import load_dataset
from tests.pages.helpers import open_page, texts


def test_the_overview_comes_from_the_worker_and_no_dataset_stays_in_the_app(hosted_mode):
    load_dataset.cache_clear()
    st.cache_data.clear()  # an earlier test of this process may have kept the preview
    app = open_page("sequence_classification.py")
    assert any(text.startswith("**1,797 images** in 10 classes") for text in texts(app.markdown))
    assert hosted_mode.pid is not None  # the preview was made there
    app.number_input(key="sequence.image.digits").set_value(99).run()
    assert not app.exception
    assert app.number_input(key="sequence.image.digits").max == 99  # the first 100 images
    assert load_dataset.cache_info().currsize == 0
