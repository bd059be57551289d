"""Every `st.session_state` key the app uses, in one place, with typed accessors.

What one visitor trains lives here, never in module globals, which every visitor shares.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.errors import UserFacingError
from core.hosting import hosting_settings
from core.paths import data_dir
from core.runs.store import RunRecord, RunStore
from core.runtime import visitor_ids
from core.runtime.contest_jobs import ContestJob
from core.runtime.curve_jobs import CurveJob
from core.runtime.jobs import TrainingJob
from core.tasks.training import load_trained_model

TRAINING_JOB = "training_job"
CURVE_JOB = "curve_job"  # the visitor's current or last learning curve (Compare page)
CONTEST_JOBS = "contest_jobs"  # the visitor's current or last contest and sweep (Contest page)
TRAINED_MODELS = "trained_models"
UPLOAD_STEPS = "upload_steps"  # per upload step: (its inputs, its result) of the last upload
UPLOADED_DATASETS = "uploaded_datasets"  # names of the datasets this visitor made by uploading
VISITOR = "visitor"  # this browser session's opaque id: in hosted mode its runs are its own
VISITOR_TOKEN = "visitor_token"  # the visitor id signed by the server, for the cookie
VISITOR_COOKIE = "seqlab_visitor"  # the browser's copy of the visitor token (hosted mode)
VISITOR_TOKEN_FORM = visitor_ids.TOKEN  # nothing else is ever written into the cookie


@dataclass
class TrainedModel:
    """A model this visitor trained, loaded from its file, with its stored record."""

    run: RunRecord
    model: Any  # a Classifier, LanguageModel, Tagger or CharLstmLanguageModel, by the run's task
    title: str

    @property
    def label(self) -> str:
        """The model's title with the end of its run id, to tell repeated runs apart."""
        return f"{self.title} ({self.run.id[-6:]})"


def visitor_id() -> str:
    """The browser's visitor id: the one its `seqlab_visitor` cookie carries when the server
    signed it (dashboard.hosting._remember_visitor sets the cookie), else a new one; kept in
    the session's state with its token. A cookie the server did not sign (a bare id, a forged
    one) starts a new visitor, so nobody takes another's runs by setting the cookie.

    Streamlit's session (and its session id) ends when the tab reloads or opens a link; the
    cookie lasts until the browser closes, so a visitor keeps their runs across reloads.
    """
    if VISITOR not in st.session_state:
        secret = _visitor_key()
        token = st.context.cookies.get(VISITOR_COOKIE)
        if visitor_ids.verified(token, secret) is None:
            token = visitor_ids.issue(secret)
        st.session_state[VISITOR_TOKEN] = token
        st.session_state[VISITOR] = visitor_ids.verified(token, secret)
    return st.session_state[VISITOR]


def _visitor_key() -> bytes:
    """The key that signs visitor ids; a bad one (a damaged key file) stops the page with
    its message."""
    try:
        return visitor_ids.secret_key(hosting_settings(), data_dir())
    except UserFacingError as error:
        st.error(f"Hosted mode is misconfigured: {error}")
        st.stop()


def visitor_token() -> str | None:
    """The signed token of the session's visitor id, for the cookie; None for a session
    whose id was set without one (the page tests set the id directly)."""
    visitor_id()
    return st.session_state.get(VISITOR_TOKEN)


def training_job() -> TrainingJob | None:
    """The visitor's current or last training job."""
    return st.session_state.get(TRAINING_JOB)


def set_training_job(job: TrainingJob) -> None:
    st.session_state[TRAINING_JOB] = job


def curve_job() -> CurveJob | None:
    """The visitor's current or last learning-curve job."""
    return st.session_state.get(CURVE_JOB)


def set_curve_job(job: CurveJob) -> None:
    st.session_state[CURVE_JOB] = job


def contest_job(kind: str) -> ContestJob | None:
    """The visitor's current or last job of `kind` ("contest" or "tune")."""
    return st.session_state.get(CONTEST_JOBS, {}).get(kind)


def set_contest_job(job: ContestJob) -> None:
    st.session_state.setdefault(CONTEST_JOBS, {})[job.kind] = job


def trained_models(
    task: str | None = None, dataset: str | None = None, seed: int | None = None
) -> list[TrainedModel]:
    """Models this visitor trained in this session, oldest first; of one task, dataset and
    seed when given."""
    models = st.session_state.setdefault(TRAINED_MODELS, [])
    return [
        trained
        for trained in models
        if task in (None, trained.run.task)
        and dataset in (None, trained.run.dataset)
        and seed in (None, trained.run.seed)
    ]


def upload_step(step: str, inputs: tuple, compute):
    """The result of an upload step (parse, save) for `inputs`, computed once per new input.

    Streamlit reruns the page on every click; a 25 MB file is parsed and saved only when the
    file or the chosen columns change.
    """
    steps = st.session_state.setdefault(UPLOAD_STEPS, {})
    if step not in steps or steps[step][0] != inputs:
        steps[step] = (inputs, compute())
    return steps[step][1]


def uploaded_datasets() -> list[str]:
    """Names of the datasets this visitor stored from uploads, newest first."""
    return st.session_state.setdefault(UPLOADED_DATASETS, [])


def remember_upload(name: str) -> None:
    names = uploaded_datasets()
    if name in names:
        names.remove(name)
    names.insert(0, name)


def collect_finished(
    job: TrainingJob,
    store: RunStore,
    keep: int | None = None,
    load: Callable[[RunRecord], Any] = load_trained_model,
) -> None:
    """Load a finished job's usable models (by `load`: Keras files in safe mode) into the
    session, once; only the latest `keep` of the session's models stay loaded when `keep` is
    given."""
    if job.collected:
        return
    models = st.session_state.setdefault(TRAINED_MODELS, [])
    for item in job.items:
        if item.run_id is None:
            continue
        run = store.get(item.run_id)
        if run.artifact_path:
            models.append(TrainedModel(run, load(run), item.title))
    if keep is not None:
        del models[:-keep]
    job.collected = True
