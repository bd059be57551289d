"""Hosted mode on the Streamlit side: settings from the app's secrets, the visitor, the
queue, and the model worker.

core/hosting.py reads the settings from the environment; here the ones set in
`.streamlit/secrets.toml` (or Community Cloud's Secrets box) are put there first. Each
browser session is one visitor: in hosted mode it sees only its own runs and uploads besides
the shared ones, and its trainings wait in one line with every other visitor's. All the
TensorFlow work of a hosted app (training, learning curves, line fits, trying a network, the
Tensors page) happens in one model worker process (core/runtime/model_worker.py), so the app process
never loads TensorFlow and the server holds one copy of it, not one per process.
"""

import threading
from collections.abc import Callable
from typing import Any

import streamlit as st

from core.data.packs import fetch_packs
from core.errors import UserFacingError
from core.hosting import HostingSettings, adopt, hosting_settings
from core.models.registry import model_spec
from core.paths import data_dir, store_url
from core.runs.retention import (
    DiskQuotaExceeded,
    check_visitor_quota,
    keep_sweeping,
    remove_partial_files,
)
from core.runs.store import RunRecord, RunStore
from core.runtime.freed_memory import release_freed_memory
from core.runtime.model_worker import ModelWorker, RemoteModel
from core.runtime.reference_runs import ensure_reference_runs
from core.runtime.training_queue import AlreadyQueued, TrainingQueue
from core.tasks.job_costs import RESERVED_MB
from core.tasks.training import load_trained_model
from dashboard import state
from dashboard.highlight import escape_markdown

# A session keeps only its latest trained models in memory in hosted mode (their runs stay
# stored), so one visitor's many trainings cannot fill the server's memory.
MODELS_KEPT = 8
# How often every open page of a hosted app tells the queue its visitor is still there: well
# within the queue's patience (120 s), even where a browser slows a hidden tab's timers to one
# a minute.
KEEP_ALIVE_SECONDS = 30


def start_hosting() -> None:
    """On every run of the app: hosted-mode settings from the secrets file (once per
    process), checked; in hosted mode, the reference runs prepared once per process and the
    visitor's id kept in a browser cookie. A bad setting stops the page with its message."""
    _adopt_secrets()
    if settings().hosted:
        _start_retention()
        _start_reference_runs()
        _remember_visitor()
        with st.sidebar:
            keep_jobs_alive()


@st.cache_resource(show_spinner=False)
def _adopt_secrets() -> None:
    try:
        secrets = dict(st.secrets)
    except FileNotFoundError:  # st.secrets raises this (a subclass) when there is no file
        secrets = {}
    adopt(secrets)


@st.cache_resource(show_spinner=False)
def _start_reference_runs() -> None:
    """Once per process, in a background thread, so no visitor waits for them."""
    threading.Thread(
        target=_prepare_reference_runs,
        args=(RunStore(store_url()),),
        name="seqlab-reference-runs",
        daemon=True,
    ).start()


def _prepare_reference_runs(store: RunStore) -> None:
    """Fetch the data packs that are missing (nothing runs `make packs` on a fresh Community
    Cloud container; offline this fails quietly and the pack datasets say how to get them),
    then train the reference runs the store lacks: baselines only, seconds, no TensorFlow."""
    fetch_packs(report=lambda line: None)
    ensure_reference_runs(store)
    release_freed_memory()  # training them left freed memory with the C heap


@st.cache_resource(show_spinner=False)
def _start_retention() -> None:
    """Once per process: the temporary files of writes a crash cut short go now, before this
    process writes any; then a daemon thread sweeps now and every hour."""
    store = RunStore(store_url())
    remove_partial_files(data_dir(), store.artifacts)
    threading.Thread(
        target=keep_sweeping, args=(store, data_dir()), name="seqlab-retention", daemon=True
    ).start()


# Sets the visitor cookie for this site until the browser closes; Secure where served over
# HTTPS. Only the server's signed token, checked against its form, is ever put into it.
_SET_COOKIE = (
    "<script>document.cookie = '{name}={value}; path=/; SameSite=Strict' + "
    "(location.protocol === 'https:' ? '; Secure' : '');</script>"
)


def _remember_visitor() -> None:
    """Keep this session's signed visitor token in a browser cookie, so a reload or a link
    opened in the same browser finds the visitor's runs again."""
    token = state.visitor_token()
    if token is not None and state.VISITOR_TOKEN_FORM.fullmatch(token):
        script = _SET_COOKIE.format(name=state.VISITOR_COOKIE, value=token)
        st.html(script, unsafe_allow_javascript=True)


def disk_quota_message(adding_bytes: int = 0) -> str | None:
    """Why this visitor may not store `adding_bytes` more or train again (their runs and
    uploads take their share of the disk, hosted mode); None when they may."""
    owner = visitor()
    if owner is None:
        return None
    try:
        check_visitor_quota(RunStore(store_url()), owner, settings(), adding_bytes)
    except DiskQuotaExceeded as error:
        return str(error)
    return None


def settings() -> HostingSettings:
    """The hosted-mode settings; a bad one stops the page with a message naming it."""
    try:
        return hosting_settings()
    except UserFacingError as error:
        st.error(f"Hosted mode is misconfigured: {error}")
        st.stop()


def visitor() -> str | None:
    """The visitor this session's runs and uploads belong to in hosted mode; None otherwise,
    where every run is shared as before."""
    return state.visitor_id() if settings().hosted else None


@st.cache_resource(show_spinner=False)
def _queue(capacity: int | None, hosted: bool) -> TrainingQueue:
    return TrainingQueue(capacity, stop_unwatched=hosted)


def training_queue() -> TrainingQueue:
    """The process's one line of background jobs: in hosted mode SEQLAB_MAX_TRAININGS at
    once, one per visitor, each stopped at its deadline or when its page was closed
    (core/runtime/training_queue.py); no limit otherwise."""
    hosting = settings()
    return _queue(hosting.max_trainings if hosting.hosted else None, hosting.hosted)


def enqueue(job) -> bool:
    """Put `job` (a core.runtime.jobs.ChildJob) in the line, where it starts when a slot is
    free; False, with the reason shown here, when refused: its visitor already has one."""
    try:
        training_queue().submit(job)
    except AlreadyQueued as error:
        st.error(escape_markdown(str(error)))
        return False
    return True


@st.fragment(run_every=KEEP_ALIVE_SECONDS)
def keep_jobs_alive() -> None:
    """Every page of a hosted app says, every half minute, that its visitor is still here, so
    a job keeps running while its visitor reads another page; a closed tab stops saying so,
    and the queue stops the job (core/runtime/training_queue.py). Draws nothing."""
    training_queue().visitor_seen(visitor())


def waiting_in_line(job, key: str) -> bool:
    """While `job` waits for a training slot: its place in the line and a button to leave
    it; False (and nothing shown) once the job has started. A page calls this every second
    while its job waits or runs: that is how the queue knows the page is still open."""
    ahead = training_queue().ahead_of(job)
    if ahead is None:
        return False
    st.subheader("Waiting for a free training slot")
    st.info(
        f"Waiting: {ahead} training{'s' if ahead != 1 else ''} ahead of yours. This server "
        "trains a few at a time; yours starts by itself when a slot frees. Keep this tab open."
    )
    st.button("Leave the queue", on_click=_leave_queue, args=(job,), key=key)
    return True


def _leave_queue(job) -> None:
    if training_queue().withdraw(job):
        job.cancel("Not started: you left the queue.")


@st.cache_resource(show_spinner=False)
def _shared_worker() -> ModelWorker:
    return ModelWorker()  # its process starts at the first request


def model_worker() -> ModelWorker | None:
    """The app's one model worker in hosted mode; None otherwise, where each job has a
    process of its own and the app loads the networks it tries."""
    return _shared_worker() if settings().hosted else None


def trained_model(run: RunRecord) -> Any:
    """A stored run's model, ready to use: a network lives in the model worker in hosted
    mode (a RemoteModel); anything else is loaded here (baselines need no TensorFlow)."""
    worker = model_worker()
    if worker is not None and model_spec(run.task, run.model).family == "neural":
        return RemoteModel(run, worker)
    return load_trained_model(run)


def applied(model: Any, function: Callable, *args) -> Any:
    """`function(model, *args)` where the model lives: in the model worker for a network held
    there (a RemoteModel), here otherwise."""
    if isinstance(model, RemoteModel):
        return model.apply(function, *args)
    return function(model, *args)


def in_worker(function: Callable, *args) -> Any:
    """`function(*args)`, a core function that uses TensorFlow or a large dataset: run in the
    model worker in hosted mode, here otherwise."""
    worker = model_worker()
    return function(*args) if worker is None else worker.call(function, *args)


def models_kept() -> int | None:
    """How many trained models a session keeps loaded: MODELS_KEPT in hosted mode, else all."""
    return MODELS_KEPT if settings().hosted else None


def caps_caption() -> str | None:
    """What this server allows, for the training panel; None outside hosted mode."""
    hosting = settings()
    if not hosting.hosted:
        return None
    minutes = hosting.job_seconds / 60
    return (
        f"This is a shared server: a neural model trains at most {hosting.max_epochs} epochs "
        f"(a tagger runs its batches {hosting.max_batch} sequences at a time, to the same "
        f"effect) and within {hosting.memory_mb - RESERVED_MB:,.0f} MB, every job "
        f"stops after {minutes:g} minutes with what it has learnt, "
        f"{hosting.max_trainings} job{'s' if hosting.max_trainings > 1 else ''} run at "
        "once (others wait in line, one per visitor), and your runs and uploads are seen by "
        "you alone (besides the reference runs everyone sees) until you close the browser."
    )
