"""Every `st.session_state` key the app uses, in one place, with typed accessors.

What one visitor trains lives here, never in module globals, which every visitor shares.
"""

import streamlit as st

from dashboard.training_job import TrainedModel, TrainingJob

TRAINING_JOB = "training_job"
TRAINED_MODELS = "trained_models"


def training_job() -> TrainingJob | None:
    """The visitor's current or last training job."""
    return st.session_state.get(TRAINING_JOB)


def set_training_job(job: TrainingJob) -> None:
    st.session_state[TRAINING_JOB] = job


def trained_models() -> list[TrainedModel]:
    """Models this visitor trained in this session, oldest first."""
    return st.session_state.setdefault(TRAINED_MODELS, [])


def collect_finished(job: TrainingJob) -> None:
    """Move a finished job's usable models into the session's list, once."""
    if job.collected:
        return
    trained_models().extend(job.trained_models())
    job.collected = True
