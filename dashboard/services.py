"""Shared, read-only resources for every visitor, cached by Streamlit."""

import streamlit as st

from core.datasets import ImageSequences, load_dataset
from core.paths import store_path
from core.store import RunStore


@st.cache_resource(show_spinner=False)
def _store_at(path: str) -> RunStore:
    return RunStore(path)


def run_store() -> RunStore:
    """The run store in the configured data folder (the same one the CLI writes)."""
    return _store_at(str(store_path()))


@st.cache_resource(show_spinner="Loading dataset...")
def dataset(name: str) -> ImageSequences:
    """A dataset's arrays, loaded once per process and shared read-only."""
    return load_dataset(name)
