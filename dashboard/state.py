"""Every `st.session_state` key the app uses, in one place, with typed accessors.

What one visitor trains lives here, never in module globals, which every visitor shares.
"""

from dataclasses import dataclass

import streamlit as st

from core.jobs import TrainingJob
from core.models.base import Classifier
from core.store import RunRecord, RunStore
from core.training import load_trained_model

TRAINING_JOB = "training_job"
TRAINED_MODELS = "trained_models"


@dataclass
class TrainedModel:
    """A model this visitor trained, loaded from its file, with its stored record."""

    run: RunRecord
    model: Classifier
    title: str

    @property
    def label(self) -> str:
        """The model's title with the end of its run id, to tell repeated runs apart."""
        return f"{self.title} ({self.run.id[-6:]})"


def training_job() -> TrainingJob | None:
    """The visitor's current or last training job."""
    return st.session_state.get(TRAINING_JOB)


def set_training_job(job: TrainingJob) -> None:
    st.session_state[TRAINING_JOB] = job


def trained_models() -> list[TrainedModel]:
    """Models this visitor trained in this session, oldest first."""
    return st.session_state.setdefault(TRAINED_MODELS, [])


def collect_finished(job: TrainingJob, store: RunStore) -> None:
    """Load a finished job's usable models (Keras files in safe mode) into the session, once."""
    if job.collected:
        return
    for item in job.items:
        if item.run_id is None:
            continue
        run = store.get(item.run_id)
        if run.artifact_path:
            trained_models().append(TrainedModel(run, load_trained_model(run), item.title))
    job.collected = True
