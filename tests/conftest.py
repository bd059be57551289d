"""Every test gets its own empty data folder, so no test sees another's runs."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    folder = tmp_path / "seqlab-data"
    monkeypatch.setenv("SEQLAB_DATA_DIR", str(folder))
    return folder
