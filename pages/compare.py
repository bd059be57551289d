"""Compare: every stored run in one leaderboard, and a paired test between two runs."""

import streamlit as st

from dashboard import url_state
from dashboard.compare_links import compare_url_fields
from dashboard.compare_view import leaderboard_filters, leaderboard_view, significance_view
from dashboard.run_downloads import run_downloads
from dashboard.services import stored_runs

st.title("Compare")
st.caption(
    "Every stored run, from the dashboard and from `python -m core train`. Accuracy is "
    "measured on held-out test data with a 95% bootstrap interval."
)
runs = stored_runs()
if not runs:
    st.info(
        "No runs stored yet. Train a model on the Sequence classification page, or run "
        "`python -m core train sequence-classification digits logreg`."
    )
    st.stop()
url_state.sync("compare", compare_url_fields(runs))
selected = leaderboard_filters(runs)
leaderboard_view(selected)
st.header("Is the difference real?")
significance_view(selected)
st.header("Take a run away")
run_downloads(selected, key="compare.download")
