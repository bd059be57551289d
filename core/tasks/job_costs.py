"""A training job's cost, estimated from its config and its data before the job runs.

core/models/cost.py estimates a network from the shape of its data; here that shape is read
from the data a task's training path prepared, whatever the task, and hosted mode's budget
for one job is applied: the model worker's memory limit less what TensorFlow itself holds
there, and the job's deadline. Outside hosted mode nothing is refused: the estimate is shown
to a person on their own machine, who decides.
"""

from dataclasses import dataclass

import numpy as np

from core.data.image_preview import ImagePreview
from core.data.splits import TEST_FRACTION, VALIDATION_FRACTION
from core.hosting import HostingSettings, hosting_settings
from core.models.cost import FLOAT_BYTES, Cost, DataShape, check_within_budget, estimate
from core.models.registry import ModelSpec

# What the app and the model worker hold besides a job's tensors, of hosted mode's memory
# for both (SEQLAB_MEMORY_MB): the app with a few visitors (280-330 MB measured under load),
# the worker with TensorFlow loaded (397 MB anonymous after a training), and what any job adds
# beyond its estimate (its graph: 58 MB grown for an LSTM estimated at 45 MB with its data).
RESERVED_MB = 750
SAMPLED_TEXTS = 2000  # texts whose lengths give a text dataset's typical length
LENGTH_PERCENTILE = 95


def _typical_length(texts) -> int:
    """Words in a long-ish text of the dataset (the 95th percentile of a sample)."""
    sample = list(texts[:SAMPLED_TEXTS])
    if not sample:
        return 1
    return max(
        1, int(np.percentile([len(str(text).split()) for text in sample], LENGTH_PERCENTILE))
    )


def data_shape(prepared) -> DataShape:
    """The shape of a task's prepared training data (the part a model trains on): a split
    dataset of arrays or texts (classification), a tokenised corpus (text prediction),
    tagged sequences (labelling) or message-reply pairs (replies)."""
    train = prepared.split.train
    if hasattr(prepared, "data"):
        inputs, classes = prepared.data.inputs, len(prepared.data.class_names)
        if isinstance(inputs, np.ndarray) and inputs.ndim == 3:
            held = inputs.nbytes + len(train) * inputs[0].size * FLOAT_BYTES
            return DataShape(len(train), inputs.shape[1], inputs.shape[2], classes, data_bytes=held)
        return DataShape(len(train), _typical_length(inputs[train]), 0, classes)
    if hasattr(prepared, "vocabulary"):
        documents = [prepared.tokens[index] for index in train]
        words = sum(len(document) for document in documents)
        characters = sum(len(token) + 1 for document in documents for token in document)
        vocabulary = len(prepared.vocabulary)
        return DataShape(len(train), 0, vocabulary, tokens=words, characters=characters)
    if hasattr(prepared, "tag_names"):
        lengths = [len(prepared.sequences[index]) for index in train] or [1]
        return DataShape(len(train), max(lengths), 0, len(prepared.tag_names))
    return DataShape(len(train), 0, 0)  # pairs: the config gives their lengths


def preview_shape(preview: ImagePreview) -> DataShape:
    """An image dataset's shape from its preview (core/data/image_preview.py): its training
    part's size by the split every model shares, without loading 70,000 images to count."""
    train = round(preview.examples * (1 - TEST_FRACTION) * (1 - VALIDATION_FRACTION))
    image_bytes = preview.timesteps * preview.features * FLOAT_BYTES
    return DataShape(
        train,
        preview.timesteps,
        preview.features,
        len(preview.class_names),
        data_bytes=(preview.examples + train) * image_bytes,
    )


def job_budget(settings: HostingSettings) -> tuple[float, float]:
    """(bytes, seconds) one job may take on a shared server."""
    return (settings.memory_mb - RESERVED_MB) * 2**20, settings.job_seconds


def job_cost(spec: ModelSpec, config, shape: DataShape) -> Cost | None:
    """The estimated cost of training a network on data of `shape`; None for a baseline,
    which costs little next to the caps on rows and rounds."""
    if spec.family != "neural":
        return None
    return estimate(spec.task, config, shape)


def check_job_cost(
    spec: ModelSpec, config, shape: DataShape, settings: HostingSettings | None = None
) -> Cost | None:
    """Raise InvalidConfig, with the figures, when a network is over hosted mode's budget
    for one job; the estimate (None for a baseline) otherwise."""
    settings = settings or hosting_settings()
    cost = job_cost(spec, config, shape)
    if cost is not None and settings.hosted:
        check_within_budget(cost, *job_budget(settings))
    return cost


@dataclass(frozen=True)
class PlannedCost:
    """One model of a plan: its estimated cost (None for a baseline) and, when hosted mode
    refuses it, why."""

    model: str
    cost: Cost | None
    refusal: str | None
