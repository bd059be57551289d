"""Shared resources for every visitor, cached by Streamlit.

Datasets need no cache here: `core.data.datasets.load_dataset` memoises read-only arrays for the
CLI, the training process and the app alike.
"""

import streamlit as st

from core.data.datasets import dataset_info
from core.models.recurrent.distribution import local_devices
from core.paths import store_url
from core.runs.store import RunRecord, RunStore
from dashboard import hosting


@st.cache_resource(show_spinner=False)
def _store_at(url: str) -> RunStore:
    return RunStore(url)


def run_store() -> RunStore:
    """The configured run store (the same one the CLI writes): SQLite in the data folder, or
    the `$SEQLAB_DATABASE_URL` database that several app replicas share."""
    return _store_at(store_url())


def stored_runs() -> list[RunRecord]:
    """Every stored run this visitor may see, newest first, after closing runs whose process
    was killed: in hosted mode their own and the shared ones, otherwise all."""
    store = run_store()
    store.mark_abandoned()
    return store.list_runs(visitor=hosting.visitor())


@st.cache_resource(show_spinner=False)
def training_devices() -> list[str]:
    """The devices a mirrored strategy would train on here (TensorFlow starts once for this)."""
    return local_devices()


@st.cache_data(ttl=60, show_spinner=False)
def availability(dataset_name: str) -> str | None:
    """Why a dataset cannot be loaded now (None if it can); a network probe, so kept a minute."""
    return dataset_info(dataset_name).availability()
