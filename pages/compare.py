"""Compare: the verdict for a dataset, every stored run in one leaderboard, a paired test
between two runs, and learning curves."""

import streamlit as st

from dashboard import hosting, url_state
from dashboard.compare_links import compare_url_fields
from dashboard.compare_view import (
    leaderboard_filters,
    leaderboard_view,
    significance_view,
    verdict_view,
)
from dashboard.curve_view import learning_curve_section
from dashboard.run_downloads import run_downloads
from dashboard.services import stored_runs

st.title("Compare")
st.caption(
    (
        "Your runs and the shared ones (reference runs and runs from the command line); "
        "other visitors' runs are theirs alone."
        if hosting.settings().hosted
        else "Every stored run, from the dashboard and from `python -m core train`."
    )
    + " Metrics are measured on held-out test data with 95% bootstrap intervals."
)
runs = stored_runs()
url_state.sync("compare", compare_url_fields(runs))
if not runs:
    st.info(
        "No runs stored yet. Train a model on the Sequence classification page, or run "
        "`python -m core train sequence-classification digits logreg`."
    )
else:
    st.header("Do I need a neural net?")
    verdict_view(runs)
    st.header("Leaderboard")
    selected = leaderboard_filters(runs)
    leaderboard_view(selected)
    st.header("Is the difference real?")
    significance_view(selected)
    st.header("Take a run away")
    run_downloads(selected, key="compare.download")
st.header("Learning curve")
st.caption(
    "How the baseline and a neural model score as the training set grows: does the neural "
    "model overtake, and from how many examples?"
)
learning_curve_section()
