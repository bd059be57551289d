"""Every dataset seqlab can train on, by name: the picker, the CLI and training look here.

Image datasets (core/data/image_datasets.py), labelled text datasets (core/data/text_datasets.py)
and uploads (core/data/uploaded_datasets.py, found by name) share `DatasetInfo`; loading is memoised
and the arrays are made read-only, since one loaded dataset is shared by every caller.
"""

import hashlib
from functools import lru_cache

import numpy as np

from core.data.dataset_info import DatasetInfo
from core.data.image_datasets import IMAGE_DATASETS
from core.data.text_datasets import TEXT_DATASETS
from core.data.uploaded_datasets import UPLOAD_PREFIX, uploaded_dataset
from core.errors import DatasetUnavailable

DATASETS: dict[str, DatasetInfo] = {info.name: info for info in IMAGE_DATASETS + TEXT_DATASETS}


def datasets_for(task: str) -> list[DatasetInfo]:
    """The datasets a task can train on, bundled ones first."""
    return sorted(
        (info for info in DATASETS.values() if info.task == task),
        key=lambda info: info.needs_network or info.unavailable is not None,
    )


def dataset_info(name: str) -> DatasetInfo:
    """The registered or uploaded dataset `name`; raises DatasetUnavailable naming the choices."""
    if name.startswith(UPLOAD_PREFIX):
        return uploaded_dataset(name)
    try:
        return DATASETS[name]
    except KeyError:
        raise DatasetUnavailable(
            f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}."
        ) from None


# Bounded: uploads are datasets too, and a hosted app must not keep every visitor's.
@lru_cache(maxsize=8)
def load_dataset(name: str):
    """Load a dataset by name; raises DatasetUnavailable with instructions when it cannot."""
    info = dataset_info(name)
    reason = info.availability()
    if reason:
        raise DatasetUnavailable(reason)
    try:
        data = info.loader()
    except (OSError, ValueError) as error:  # a failed or corrupt download
        raise DatasetUnavailable(f"Could not load {info.title}: {error}") from error
    # The cached arrays are shared by every caller: make accidental in-place edits fail loudly.
    data.inputs.setflags(write=False)
    data.labels.setflags(write=False)
    return data


def dataset_fingerprint(data) -> str:
    """A short sha256 of a loaded dataset's inputs and labels in order: a decision memo names
    the exact data it was made on, and a changed file shows as a changed fingerprint."""
    digest = hashlib.sha256()
    for values in (data.inputs, data.labels):
        if values.dtype == object:
            for item in values:
                digest.update(str(item).encode("utf-8") + b"\0")
        else:
            digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()[:16]
