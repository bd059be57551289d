"""Contest: every rung of a task's ladder tuned with the same budget per side, the best of
each side judged on test; or one model tuned, its trials explored and its config used."""

import streamlit as st

from dashboard.contest_panel import choose_data
from dashboard.contest_view import contest_section
from dashboard.sweep_view import tuning_section

CONTEST, TUNE = "The contest: every rung", "Tune one model"

st.title("Contest")
st.caption(
    "Is the network worth it once both sides are tuned? Each rung of the ladder, from the "
    "majority floor to the networks, is tuned on the validation part with the same budget "
    "per side; each side's best is scored once on the test part."
)
task, dataset, seed = choose_data("contest")
mode = st.radio("What to run", (CONTEST, TUNE), horizontal=True, key="contest.mode")
if mode == CONTEST:
    contest_section(task, dataset, seed)
else:
    tuning_section(task, dataset, seed)
