"""Hosted mode on the Streamlit side: settings from the app's secrets, the visitor, the queue.

core/hosting.py reads the settings from the environment; here the ones set in
`.streamlit/secrets.toml` (or Community Cloud's Secrets box) are put there first. Each
browser session is one visitor: in hosted mode it sees only its own runs and uploads besides
the shared ones, and its trainings wait in one line with every other visitor's.
"""

import threading

import streamlit as st

from core.data_packs import fetch_packs
from core.hosting import HostingSettings, adopt, hosting_settings
from core.paths import store_url
from core.reference_runs import ensure_reference_runs
from core.store import RunStore
from core.training_queue import TrainingQueue
from dashboard import state

# A session keeps only its latest trained models in memory in hosted mode (their runs stay
# stored), so one visitor's many trainings cannot fill the server's memory.
MODELS_KEPT = 8


@st.cache_resource(show_spinner=False)
def start_hosting() -> None:
    """Once per process: hosted-mode settings from the secrets file into the environment;
    then, in hosted mode, data packs and reference runs are prepared in a background thread
    (`_prepare_reference_runs`), so no visitor waits for them."""
    try:
        secrets = dict(st.secrets)
    except FileNotFoundError:  # st.secrets raises this (a subclass) when there is no file
        secrets = {}
    adopt(secrets)
    if settings().hosted:
        threading.Thread(
            target=_prepare_reference_runs,
            args=(RunStore(store_url()),),
            name="seqlab-reference-runs",
            daemon=True,
        ).start()


# Sets the visitor cookie for this site until the browser closes; Secure where served over
# HTTPS. Only a server-made id, checked against VISITOR_ID, is ever put into it.
_SET_COOKIE = (
    "<script>document.cookie = '{name}={value}; path=/; SameSite=Strict' + "
    "(location.protocol === 'https:' ? '; Secure' : '');</script>"
)


def _prepare_reference_runs(store: RunStore) -> None:
    """Fetch the data packs that are missing (nothing runs `make packs` on a fresh Community
    Cloud container; offline this fails quietly and the pack datasets say how to get them),
    then train the reference runs the store lacks: baselines only, seconds, no TensorFlow."""
    fetch_packs(report=lambda line: None)
    ensure_reference_runs(store)


def remember_visitor() -> None:
    """In hosted mode, keep this session's visitor id in a browser cookie, so a reload or a
    link opened in the same browser finds the visitor's runs and uploads again."""
    if not settings().hosted:
        return
    visitor_id = state.visitor_id()
    if state.VISITOR_ID.fullmatch(visitor_id):
        script = _SET_COOKIE.format(name=state.VISITOR_COOKIE, value=visitor_id)
        st.html(script, unsafe_allow_javascript=True)


def settings() -> HostingSettings:
    return hosting_settings()


def visitor() -> str | None:
    """The visitor this session's runs and uploads belong to in hosted mode; None otherwise,
    where every run is shared as before."""
    return state.visitor_id() if settings().hosted else None


@st.cache_resource(show_spinner=False)
def _queue(capacity: int | None) -> TrainingQueue:
    return TrainingQueue(capacity)


def training_queue() -> TrainingQueue:
    """The process's one line of trainings: SEQLAB_MAX_TRAININGS at once in hosted mode, no
    limit otherwise."""
    hosting = settings()
    return _queue(hosting.max_trainings if hosting.hosted else None)


def models_kept() -> int | None:
    """How many trained models a session keeps loaded: MODELS_KEPT in hosted mode, else all."""
    return MODELS_KEPT if settings().hosted else None


def caps_caption() -> str | None:
    """What this server allows, for the training panel; None outside hosted mode."""
    hosting = settings()
    if not hosting.hosted:
        return None
    return (
        f"This is a shared server: a neural model trains at most {hosting.max_epochs} epochs, "
        f"{hosting.max_trainings} training{'s' if hosting.max_trainings > 1 else ''} run at "
        "once (others wait in line), and your runs and uploads are seen by you alone "
        "(besides the reference runs everyone sees) until you close the browser."
    )
