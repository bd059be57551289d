"""What a network will cost, estimated before it is built, and hosted mode's refusals."""

from dataclasses import replace

import numpy as np
import pytest

from core.data.image_preview import ImagePreview
from core.errors import InvalidConfig
from core.hosting import HostingSettings
from core.models.cost import DataShape, check_within_budget, estimate
from core.models.registry import model_spec
from core.tasks.job_costs import check_job_cost, data_shape, job_budget, preview_shape
from core.tasks.registry import REGISTERED, plan_costs
from tests.core.helpers import digits_slice, polarity_texts, tiny_config

DIGITS = DataShape(samples=1293, timesteps=8, features=8, classes=10)
HOSTED = HostingSettings(hosted=True)


def lstm(**settings):
    return model_spec("sequence-classification", "lstm").config_with(settings)


def test_parameters_are_counted_as_keras_counts_them():
    """4 gates x (inputs + units + bias) x units per layer, and the softmax head: the figure
    Keras's count_params gives for this network (203,018, core/models tests of the LSTM)."""
    cost = estimate("sequence-classification", lstm(), DIGITS)
    first = 4 * (8 + 128 + 1) * 128
    second = 4 * (128 + 128 + 1) * 128
    assert cost.parameters == first + second + (128 + 1) * 10 == 203_018


def test_memory_grows_with_units_layers_batch_and_length():
    base = estimate("sequence-classification", lstm(), DIGITS)
    for bigger in (lstm(units=256), lstm(layers=3), lstm(batch_size=512), lstm(bidirectional=True)):
        assert estimate("sequence-classification", bigger, DIGITS).memory_bytes > base.memory_bytes
    longer = DataShape(1293, 80, 8, 10)
    assert estimate("sequence-classification", lstm(), longer).activation_bytes == pytest.approx(
        10 * base.activation_bytes, rel=0.1
    )


def test_a_language_models_softmax_at_every_step_is_counted():
    config = model_spec("text-prediction", "word-lstm").config_with({"batch_size": 256})
    corpus = DataShape(100, 0, 20_000, tokens=200_000)  # 20,000 words in its vocabulary
    cost = estimate("text-prediction", config, corpus)
    logits = 256 * config.sequence_length * 20_000 * 4
    assert cost.activation_bytes > logits


def test_the_issues_link_is_over_any_shared_servers_budget():
    """2,048 units in 4 layers with batches of 4,096: gigabytes before the first step."""
    config = model_spec("sequence-classification", "lstm").default_config()
    config = type(config)(**{**config.__dict__, "units": 2048, "layers": 4, "batch_size": 4096})
    cost = estimate("sequence-classification", config, DIGITS)
    assert cost.memory_bytes > 3 * 2**30
    with pytest.raises(InvalidConfig, match=r"would need about [\d,]+ MB .* may take 190 MB"):
        check_within_budget(cost, *job_budget(HOSTED))


def test_within_bounds_together_can_still_be_over_budget(monkeypatch):
    """Each setting at its hosted bound passes validation; their product does not pass."""
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    spec = model_spec("sequence-classification", "lstm")
    config = lstm(units=256, layers=3, batch_size=1024, bidirectional=True)
    shape = data_shape(REGISTERED["sequence-classification"].path.prepare("digits", 0))
    with pytest.raises(InvalidConfig, match="activations for one batch"):
        check_job_cost(spec, config, shape)
    assert check_job_cost(spec, lstm(), shape).seconds < HOSTED.job_seconds


def test_too_long_a_training_is_refused_with_its_steps():
    cost = estimate("sequence-classification", lstm(epochs=10), DataShape(200_000, 28, 28, 10))
    with pytest.raises(InvalidConfig, match=r"would take about \d+ min \([\d,]+ steps in 10"):
        check_within_budget(cost, 10 * 2**30, 600)
    fitting = cost.epochs_within(600)
    assert 0 < fitting < 10
    within = estimate("sequence-classification", lstm(epochs=fitting), DataShape(200_000, 28, 28))
    assert (
        within.seconds
        <= 600
        < estimate(
            "sequence-classification", lstm(epochs=fitting + 1), DataShape(200_000, 28, 28)
        ).seconds
    )
    with pytest.raises(InvalidConfig, match=f"Lower epochs to {fitting}, or units"):
        check_within_budget(cost, 10 * 2**30, 600)


def test_outside_hosted_mode_the_estimate_is_given_and_nothing_refused(monkeypatch):
    monkeypatch.setenv("SEQLAB_HOSTED", "0")
    big = lstm(units=1024, layers=4, batch_size=4096)
    (logreg, planned) = plan_costs(
        "sequence-classification", "digits", [("logreg", None), ("lstm", big)], 0
    )
    assert logreg.cost is None and logreg.refusal is None  # a baseline needs no estimate
    assert planned.cost.parameters > 10**7 and planned.refusal is None
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    medium = lstm(units=256, layers=3, batch_size=1024, bidirectional=True)
    (planned,) = plan_costs("sequence-classification", "digits", [("lstm", medium)], 0)
    assert "activations for one batch" in planned.refusal


def test_seventy_thousand_images_are_counted_without_loading_them():
    """MNIST's preview gives its size: 220 MB of images plus Keras's copy of the training
    part is over a job's budget before any layer is counted, so it is refused up front."""
    preview = ImagePreview("mnist", 70_000, tuple("0123456789"), np.zeros((1, 28, 28)), [0])
    shape = preview_shape(preview)
    assert shape.samples == 50_400 and (shape.timesteps, shape.features) == (28, 28)
    assert shape.data_bytes == (70_000 + 50_400) * 28 * 28 * 4
    with pytest.raises(InvalidConfig, match=r"and 360 MB of data"):
        check_job_cost(model_spec("sequence-classification", "lstm"), lstm(), shape, HOSTED)


@pytest.mark.parametrize(
    ("task", "name", "settings"),
    [
        ("sequence-classification", "mlp", {"layers": 2}),
        # Fewer terms kept than the texts hold, so the inputs are known before they are read;
        # two classes: scikit-learn's one logistic output.
        ("text-classification", "mlp", {"max_features": 30}),
        ("text-classification", "mlp", {"max_features": 30, "features": "words+characters"}),
        ("sequence-classification", "cnn", {"widths": "2,3,4", "filters": 6}),
    ],
)
def test_feedforward_parameters_are_counted_as_the_built_model_counts_them(task, name, settings):
    spec = model_spec(task, name)
    config = tiny_config(spec, **settings)
    if task == "sequence-classification":
        X, y = digits_slice(100)
        shape = DataShape(len(X), 8, 8, len(np.unique(y)))
    else:
        X, y = polarity_texts()
        shape = DataShape(len(X), 20, 0, len(np.unique(y)))
    model = spec.build(config, seed=0).fit(X, y)
    assert estimate(task, config, shape).parameters == model.count_params()


def test_a_tfidf_perceptrons_weights_and_time_grow_with_the_terms_it_keeps():
    """Its first layer is terms x units, and Adam updates every weight at every step."""
    config = model_spec("text-classification", "mlp").default_config()
    quotes = DataShape(9220, 34, 0, 2)
    fewer, more = (
        estimate("text-classification", replace(config, max_features=terms), quotes)
        for terms in (10_000, 40_000)
    )
    assert more.weight_bytes == pytest.approx(4 * fewer.weight_bytes, rel=0.01)
    assert more.seconds > 2 * fewer.seconds
