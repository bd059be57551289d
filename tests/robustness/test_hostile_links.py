"""Hostile share links: every value a link can set, at an extreme, is ignored, refused with a
message naming what it set, or accepted within its bound on a shared server; nothing trains
past a bound.

A link's value takes one path (dashboard/url_state.py): its field's reader, which ignores a
value that does not fit (with a notice), then the check the page makes of what its inputs
hold. For a model setting that check is the config's bounds, hosted mode's tighter ones
(core/configs.py) and hosted mode's caps (core/hosting.py), as `config_form` makes it; a
network that fits every bound is then estimated, and one over a job's budget refused
(core/tasks/job_costs.py). Core checks again before it builds a model (core/tasks/training.py),
so a config no form produced cannot train past a bound either. Most cases run here in core,
without Streamlit; a few open the pages. The counts go to .reports/robustness.json for the
robustness table in bench/README.md.
"""

import dataclasses
import math
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from core.configs import settings_of, with_overrides
from core.contest import learning_curves
from core.contest.learning_curves import HOSTED_MAX_SEEDS, CurveSettings
from core.data.corpora import load_corpus
from core.errors import InvalidConfig, UserFacingError
from core.hosting import capped_defaults, check_within_caps, hosting_settings
from core.learn.line_data import LineDataConfig, parse_slopes
from core.learn.tensors import MAX_LAYOUT_SIZE, parse_nested_list, sequence_layouts
from core.models.baselines.tfidf_features import TfidfFeatures
from core.models.perceptron import PerceptronConfig
from core.models.recurrent.text_inputs import LONGEST_SEQUENCE
from core.models.registry import MODELS, ModelSpec, models_for
from core.models.word2vec import Word2VecConfig, train_word2vec
from core.paths import store_url
from core.runs.store import RunStore
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks import training
from core.tasks.registry import plan_costs, train
from core.tasks.regression import start_line_fit
from core.tasks.training import checked_config
from dashboard import url_state
from dashboard.components import LARGEST_SEED, seed_url_field, settings_url_fields
from dashboard.curve_view import curve_url_fields
from dashboard.tensors_view import tensors_url_fields
from dashboard.training_panel import plan_url_fields
from tests.pages.conftest import hosted_mode  # noqa: F401  (a fixture the page cases use)
from tests.pages.helpers import open_page, readable
from tests.robustness.report import record

IGNORED, REFUSED, ACCEPTED = "ignored", "refused", "accepted within its bound"
LONGEST_NOTICE = 400  # characters of an "Ignored from the link" note, whatever the value
# What a visitor can type into a link, whatever the parameter.
EXTREMES = {
    "zero": "0",
    "negative": "-1",
    "a billion": str(10**9),
    "1e9": "1e9",
    "2**64": str(2**64),
    "5,000 digits": "9" * 5000,
    "nan": "nan",
    "inf": "inf",
    "-inf": "-inf",
    "text": "text",
    "empty": "",
    "a huge list": ",".join(["1"] * 10_000),
}
# The tasks with a page that takes `models=` and `<model>.<setting>=` (the regression's one
# model has a page of its own), and the data their networks are estimated on here: the
# smallest each page offers.
TASK_PAGES = {
    "sequence-classification": "digits",
    "text-classification": "polarity",
    "text-prediction": "lee",
    "sequence-labelling": "segmentation:dataset:polarity",
    "reply": "chatterbot",
}


@pytest.fixture
def hosted(monkeypatch):
    """Hosted mode with its default caps, read afresh from the environment by every check."""
    monkeypatch.setenv("SEQLAB_HOSTED", "1")


@dataclass(frozen=True)
class LinkTarget:
    """One link parameter: its field, the check a page makes of the value the field reads
    (raising UserFacingError), the range an accepted value must lie in, and the word a
    refusal must say (None: the message is about the value's content)."""

    field: url_state.UrlField
    check: Callable[[Any], None]
    lowest: float | None = None
    highest: float | None = None
    named: str | None = None

    def within(self, value: Any) -> bool:
        """A number between the bounds; a list of choices with none twice."""
        if isinstance(value, list):
            return all(value.count(item) == 1 for item in value)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return True
        return (self.lowest is None or value >= self.lowest) and (
            self.highest is None or value <= self.highest
        )


def outcome(target: LinkTarget, text: str) -> str:
    """What becomes of `text` as the target's link value: ignored by the field's reader,
    refused by the page's check with a message saying what, or accepted within bounds."""
    field = target.field
    values, notes = url_state.seed([field], {field.param: text})
    if notes:
        assert len(notes[0]) <= LONGEST_NOTICE, f"a notice of {len(notes[0]):,} characters"
        return IGNORED
    value = values[field.key]
    try:
        target.check(value)
    except UserFacingError as refusal:
        assert target.named is None or target.named.lower() in str(refusal).lower(), refusal
        return REFUSED
    assert target.within(value), f"{field.param}={value!r} is past its hosted bound"
    return ACCEPTED


def beyond(kind: type, bound: float, outward: int) -> int | float:
    """The nearest value of `kind` past `bound`: below it (outward -1) or above it (+1)."""
    if kind is int:
        return int(bound) + outward
    return math.nextafter(bound, outward * math.inf)


def edge_texts(target: LinkTarget) -> dict[str, str]:
    """Each bound as link text, and the value just past it."""
    kind = type(target.field.default)
    if kind not in (int, float):
        return {}
    edges = {}
    for label, bound, outward in (("lowest", target.lowest, -1), ("highest", target.highest, 1)):
        if bound is None:
            continue
        edges[f"at its {label}"] = repr(kind(bound))
        edges[f"past its {label}"] = repr(beyond(kind, bound, outward))
    return edges


def tally(targets: list[LinkTarget], more: dict[str, str] | None = None) -> Counter:
    """Every extreme, every edge and `more` (link texts by label) of every target, through
    `outcome`."""
    counts = Counter()
    for target in targets:
        for label, text in {**EXTREMES, **edge_texts(target), **(more or {})}.items():
            try:
                counts[outcome(target, text)] += 1
            except AssertionError as failure:
                raise AssertionError(f"{target.field.param} = {label}: {failure}") from None
    return counts


def hosted_highest(spec: ModelSpec, setting) -> float | None:
    """A model setting's largest value on a shared server: its hosted bound, and for a
    network's epochs hosted mode's cap on them."""
    highest = setting.upper_bound(True)
    if setting.name == "epochs" and spec.family == "neural":
        return min(highest, hosting_settings().max_epochs)
    return highest


def form_values(defaults: Any, fixed=frozenset()) -> dict[str, Any]:
    """What a settings form's inputs hold before a link sets any: `defaults`, by setting."""
    return {
        setting.name: getattr(defaults, setting.name)
        for setting in settings_of(type(defaults))
        if setting.name not in fixed
    }


def config_targets(
    defaults: Any, key: str, build: Callable[[dict], Any], prefix: str = "", fixed=frozenset()
) -> list[LinkTarget]:
    """A target per setting of a settings form: the link sets one input, the form's other
    inputs hold `defaults`, and `build(values)` is the form's check (raising on a refusal)."""
    form = form_values(defaults, fixed)
    fields = {field.key: field for field in settings_url_fields(defaults, key, prefix, fixed)}
    targets = []
    for setting in settings_of(type(defaults)):
        if setting.name in fixed:
            continue
        name = setting.name
        targets.append(
            LinkTarget(
                fields[f"{key}.{name}"],
                lambda value, name=name: build({**form, name: value}),
                setting.minimum,
                setting.upper_bound(True),
                name,
            )
        )
    return targets


def model_targets(spec: ModelSpec) -> list[LinkTarget]:
    """The model's settings as a task page's link sets them (`<model>.<setting>=`), each
    checked as `config_form` checks it: the config, then hosted mode's caps."""

    def build(values: dict) -> None:
        check_within_caps(spec, spec.config_with(values))

    targets = config_targets(
        capped_defaults(spec), f"plan.{spec.name}", build, spec.name, frozenset(spec.fixed)
    )
    highest = {
        setting.name: hosted_highest(spec, setting) for setting in settings_of(spec.config_class)
    }
    return [dataclasses.replace(target, highest=highest[target.named]) for target in targets]


def test_every_model_setting_from_a_hostile_link_is_ignored_refused_or_within_bounds(hosted):
    specs = [spec for spec in MODELS.values() if spec.task in TASK_PAGES]
    targets = [target for spec in specs for target in model_targets(spec)]
    counts = tally(targets)
    assert counts[REFUSED] and counts[IGNORED]
    record(
        "hostile_links.model_settings",
        {
            "models": len(specs),
            "settings": len(targets),
            "link_values": sum(counts.values()),
            "ignored": counts[IGNORED],
            "refused_naming_the_setting": counts[REFUSED],
            "accepted_within_hosted_bound": counts[ACCEPTED],
        },
    )


def _most_terms_kept(spec: ModelSpec) -> float:
    vectorizers = TfidfFeatures(spec.config_with({"max_features": 0})).vectorizers
    return max(vectorizer.max_features or math.inf for vectorizer in vectorizers)


# What a setting's 0 stands for, where its minimum is 0 and it has a hosted bound: "all"
# or "choose for me" must still keep that bound.
ZERO_MEANS = {
    "sequence_length": lambda spec: LONGEST_SEQUENCE,  # the automatic length
    "max_features": _most_terms_kept,  # every term
    "window": lambda spec: 0,  # no neighbours: the cheapest there is
}


def test_a_zero_that_means_all_or_automatic_still_keeps_the_hosted_bound(hosted):
    """A link's 0 passes a minimum of 0; where 0 means "all" or "automatic", what it
    stands for must be within the hosted bound too."""
    zeros = [
        (spec, setting)
        for spec in MODELS.values()
        for setting in settings_of(spec.config_class)
        if setting.minimum == 0 and setting.hosted_maximum is not None
    ]
    assert zeros
    for spec, setting in zeros:
        assert setting.name in ZERO_MEANS, f"what does 0 mean for {setting.name}? add it here"
        stands_for = ZERO_MEANS[setting.name](spec)
        assert stands_for <= setting.hosted_maximum, (spec.task, spec.name, setting.name)


def test_the_models_field_takes_each_known_model_once_and_ignores_unknown_names():
    targets = [
        LinkTarget(plan_url_fields(task, "plan")[0], lambda chosen: None) for task in TASK_PAGES
    ]
    names = sorted({spec.name for spec in MODELS.values()})  # other tasks' names too
    counts = tally(
        targets,
        {
            "every name a thousand times": ",".join(names * 1000),
            "ten thousand unknown names": ",".join(f"model{index}" for index in range(10_000)),
            "a path among the names": ",".join([*names, "../../etc/passwd"]),
            "commas only": "," * 10_000,
        },
    )
    assert counts[IGNORED] and counts[ACCEPTED]
    record(
        "hostile_links.models_field",
        {
            "task_pages": len(targets),
            "link_values": sum(counts.values()),
            "ignored": counts[IGNORED],
            "accepted_each_model_once": counts[ACCEPTED],
        },
    )


def curve_check(**changes) -> Callable[[Any], None]:
    """The checks a learning curve makes before it prepares any data (the job's first step),
    of the default curve with one setting from the link."""

    def check(value: Any) -> None:
        lstm = MODELS[(SEQUENCE_CLASSIFICATION, "lstm")]
        settings = CurveSettings(  # as the page opens: epochs from hosted mode's cap
            SEQUENCE_CLASSIFICATION,
            "digits",
            "logreg",
            lstm.name,
            model_settings={"epochs": capped_defaults(lstm).epochs},
        )
        changed = {name: make(value) for name, make in changes.items()}
        learning_curves.check_curve_settings(dataclasses.replace(settings, **changed))

    return check


def drawn(size: str) -> Callable[[int], None]:
    """The Tensors page's layouts with one size from the link: their checks come before
    TensorFlow is imported, which is blocked here (reaching it means the checks passed)."""

    def check(value: int) -> None:
        sizes = {"batch": 2, "timesteps": 3, "features": 4, size: value}
        blocked = sys.modules.get("tensorflow")
        sys.modules["tensorflow"] = None  # `import tensorflow` raises ImportError
        try:
            sequence_layouts(**sizes)
        except ImportError:
            return
        finally:
            if blocked is None:
                del sys.modules["tensorflow"]
            else:
                sys.modules["tensorflow"] = blocked

    return check


def page_targets() -> list[LinkTarget]:
    """The link parameters of the pages besides the models' settings: the seed, the
    learning curve's, the Tensors page's, and the Word2vec and Perceptron pages' settings."""
    curve = {field.param: field for field in curve_url_fields()}
    tensors = {field.param: field for field in tensors_url_fields()}
    max_epochs = hosting_settings().max_epochs
    targets = [
        LinkTarget(seed_url_field("seed"), lambda value: None, 0, LARGEST_SEED, "seed"),
        LinkTarget(curve["curve.seeds"], curve_check(seeds=int), 1, HOSTED_MAX_SEEDS, "seeds"),
        LinkTarget(
            curve["curve.epochs"],
            curve_check(model_settings=lambda epochs: {"epochs": epochs}),
            1,
            max_epochs,
            "epochs",
        ),
        LinkTarget(
            curve["curve.fractions"],
            curve_check(fractions=lambda chosen: tuple(sorted(chosen))),
            named="fraction",
        ),
        *(
            LinkTarget(tensors[name], drawn(name), 1, MAX_LAYOUT_SIZE, name)
            for name in ("batch", "timesteps", "features")
        ),
        *(
            LinkTarget(field, lambda text: parse_nested_list(text))
            for param, field in tensors.items()
            if param.startswith("values.")
        ),
    ]

    def line_data(values: dict) -> None:
        parse_slopes(with_overrides(LineDataConfig(), values).slopes)

    targets += config_targets(
        Word2VecConfig(),
        "word2vec.settings",
        lambda values: with_overrides(Word2VecConfig(), values),
    )
    targets += config_targets(LineDataConfig(), "perceptron.data", line_data)
    targets += config_targets(
        PerceptronConfig(),
        "perceptron.training",
        lambda values: with_overrides(PerceptronConfig(), values),
    )
    return targets


def test_every_other_link_parameter_is_ignored_refused_or_within_bounds(hosted):
    targets = page_targets()
    counts = tally(targets)
    assert counts[REFUSED] and counts[IGNORED]
    record(
        "hostile_links.page_settings",
        {
            "parameters": len(targets),
            "link_values": sum(counts.values()),
            "ignored": counts[IGNORED],
            "refused_naming_the_setting": counts[REFUSED],
            "accepted_within_hosted_bound": counts[ACCEPTED],
        },
    )


def at_every_bound(spec: ModelSpec, bound: Callable) -> dict[str, str]:
    """A link setting each of the network's numeric settings to `bound(spec, setting)`."""
    return {
        f"{spec.name}.{setting.name}": str(bound(spec, setting))
        for setting in settings_of(spec.config_class)
        if setting.name not in spec.fixed
        and setting.kind in (int, float)
        and bound(spec, setting) is not None
    }


def linked_config(spec: ModelSpec, link: dict[str, str]) -> Any:
    """The config a task page's form holds after `link`: read by the fields, then checked as
    `config_form` checks it (raising InvalidConfig)."""
    defaults, fixed = capped_defaults(spec), frozenset(spec.fixed)
    values, notes = url_state.seed(settings_url_fields(defaults, "plan", spec.name, fixed), link)
    assert not notes, notes
    linked = {key.removeprefix("plan."): value for key, value in values.items()}
    config = spec.config_with({**form_values(defaults, fixed), **linked})
    check_within_caps(spec, config)
    return config


def lowest(spec: ModelSpec, setting) -> float | None:
    return setting.minimum


def test_networks_at_their_hosted_bounds_are_estimated_and_refused_or_allowed(hosted):
    """Every network with each setting at its lowest, and at its hosted highest: the form
    accepts both; the estimate then either allows the job or refuses it, saying why."""
    counts, networks = Counter(), 0
    for task, dataset in TASK_PAGES.items():
        specs = [spec for spec in models_for(task) if spec.family == "neural"]
        plan = [
            (spec.name, linked_config(spec, at_every_bound(spec, bound)))
            for spec in specs
            for bound in (lowest, hosted_highest)
        ]
        networks += len(specs)
        for planned in plan_costs(task, dataset, plan, 0):
            assert planned.cost is not None, planned
            if planned.refusal:
                assert "on this shared server may" in planned.refusal, planned.refusal
                counts["refused"] += 1
            else:
                counts["allowed"] += 1
    assert counts["refused"]
    record(
        "hostile_links.estimated",
        {
            "networks": networks,
            "configs_at_every_bound": sum(counts.values()),
            "refused_over_budget": counts["refused"],
            "within_budget": counts["allowed"],
        },
    )


def refused_past_bounds(
    defaults: Any,
    gate: Callable[[Any], Any],
    highest: Callable = lambda setting: setting.upper_bound(True),
    fixed=frozenset(),
) -> int:
    """Give `gate` `defaults` with each numeric setting just below its minimum, then just
    above its `highest`: each must be refused, naming the setting. How many were."""
    refused = 0
    for setting in settings_of(type(defaults)):
        if setting.name in fixed or setting.kind not in (int, float):
            continue
        for bound, outward in ((setting.minimum, -1), (highest(setting), 1)):
            if bound is None:
                continue
            past = {setting.name: beyond(setting.kind, bound, outward)}
            with pytest.raises(InvalidConfig, match=setting.name):
                gate(dataclasses.replace(defaults, **past))
            refused += 1
    return refused


def test_no_config_past_a_bound_passes_a_training_gate(hosted):
    """Configs no form made (the CLI, a queued job, a bug in a page), one setting just past
    a bound: the check each training path makes before it trains refuses them, naming the
    setting; nothing is recorded."""
    store = RunStore(store_url())
    refused = sum(
        refused_past_bounds(
            capped_defaults(spec),
            lambda config, spec=spec: checked_config(spec.task, spec.name, config),
            lambda setting, spec=spec: hosted_highest(spec, setting),
            frozenset(spec.fixed),
        )
        for spec in MODELS.values()
        if spec.task in TASK_PAGES
    )
    refused += refused_past_bounds(
        PerceptronConfig(), lambda config: start_line_fit(store, LineDataConfig(), config)
    )
    refused += refused_past_bounds(
        LineDataConfig(), lambda data: start_line_fit(store, data, PerceptronConfig())
    )
    corpus = load_corpus("lee")
    refused += refused_past_bounds(Word2VecConfig(), lambda config: train_word2vec(corpus, config))
    assert store.list_runs() == []
    record("hostile_links.training_gate", {"configs_past_a_bound": refused, "refused": refused})


class _Trained(Exception):
    """Raised where a run would be created and its model built."""


def _no_training(*arguments, **options):
    raise _Trained


@pytest.mark.parametrize(
    ("task", "model", "link"),
    [
        ("sequence-classification", "lstm", {"units": "257"}),  # its hosted bound is 256
        ("text-classification", "tfidf-logreg", {"epochs": "201"}),  # a baseline's: 200
        ("text-classification", "lstm", "every hosted highest"),  # over a job's budget
    ],
)
def test_a_refused_config_builds_no_model_and_records_no_run(
    hosted, monkeypatch, task, model, link
):
    """Core's `train`, the one path every training takes, given a config past a bound or
    over the budget: refused before a run is created or a model built."""
    spec = MODELS[(task, model)]
    if link == "every hosted highest":
        config = linked_config(spec, at_every_bound(spec, hosted_highest))
    else:
        defaults = capped_defaults(spec)
        [(name, text)] = link.items()
        config = dataclasses.replace(defaults, **{name: int(text)})
    monkeypatch.setattr(training, "fit_new_run", _no_training)
    store = RunStore(store_url())
    with pytest.raises(InvalidConfig, match="shared server"):
        train(task, TASK_PAGES[task], model, store=store, config=config)
    assert store.list_runs() == []


# The pages themselves (AppTest, hosted mode): one hostile link each, since a page load takes
# seconds. Each must open without an exception, say what it ignored or refused, and offer no
# training past a bound.


def opened(page: str, link: dict[str, str]):
    """The app on `page` from `link`, which must open without an exception (open_page checks)."""
    app = open_page(page, link)
    record(f"hostile_links.page.{page}", {"hostile_parameters": len(link), "exceptions": 0})
    return app


def notice(app) -> str:
    """The page's "Ignored from the link" notice, as a reader sees it."""
    [text] = [text for text in readable(app.info) if text.startswith("Ignored from the link")]
    assert len(text) <= 3 * LONGEST_NOTICE, f"a notice of {len(text):,} characters"
    return text


@pytest.mark.usefixtures("hosted_mode")
def test_a_task_page_link_past_the_bounds_disables_train_and_says_the_bound():
    link = {
        "dataset": "mnist-5k",
        "models": "lstm",
        "lstm.units": "2048",
        "lstm.layers": "8",
        "lstm.batch_size": "65536",
        "lstm.learning_rate": "nan",
    }
    app = opened("sequence_classification.py", link)
    assert app.button(key="train").disabled
    said = "LSTM: units must be at most 256 on this shared server (hosted mode); got 2048."
    assert readable(app.error).count(said) == 2  # under the input, and next to Train
    assert "lstm.learning_rate='nan' (not a finite number)" in notice(app)
    assert not any(text.startswith("Estimated:") for text in readable(app.caption))


@pytest.mark.usefixtures("hosted_mode")
def test_a_task_page_link_within_bounds_but_over_budget_disables_train():
    at_highest = at_every_bound(MODELS[("text-classification", "lstm")], hosted_highest)
    app = opened("text_classification.py", {"models": "lstm", **at_highest})
    assert app.button(key="train").disabled
    [refusal] = [text for text in readable(app.error) if text.startswith("LSTM: This model")]
    assert "a job on this shared server may take" in refusal


def test_the_tensors_page_refuses_or_ignores_a_hostile_link():
    """The sizes' bounds are the same in both modes; opened locally, the page checks them in
    its own process instead of starting the model worker (seconds) to say no."""
    link = {
        "batch": str(10**9),
        "timesteps": "0",
        "features": "text",
        "values.0": "[" + ",".join(["1"] * 10_000) + "]",
    }
    app = opened("tensors.py", link)
    errors = readable(app.error)
    assert "batch must be between 1 and 12 to draw; got 1,000,000,000." in errors
    assert any("characters; tensors typed here are limited to" in error for error in errors)
    assert "features='text' (not a whole number)" in notice(app)
    assert app.number_input(key="tensors.features").value == 4


@pytest.mark.usefixtures("hosted_mode")
def test_the_compare_page_ignores_a_hostile_learning_curve_link():
    link = {
        "curve.seeds": str(10**9),
        "curve.epochs": "-1",
        "curve.fractions": ",".join(["0.5"] * 10_000 + ["2"]),
    }
    app = opened("compare.py", link)
    said = notice(app)
    assert all(f"{param}=" in said for param in link)
    assert app.number_input(key="curve.seeds").value == HOSTED_MAX_SEEDS
    assert app.number_input(key="curve.epochs").value == hosting_settings().max_epochs


@pytest.mark.usefixtures("hosted_mode")
def test_the_word2vec_page_refuses_settings_past_their_bounds():
    link = {"vector_size": str(10**9), "epochs": "51", "window": "nan"}
    app = opened("word2vec.py", link)
    assert "Settings: vector_size must be at most 1000; got 1000000000." in readable(app.error)
    assert app.button(key="word2vec.train").disabled
    assert "window='nan' (not a whole number)" in notice(app)


@pytest.mark.usefixtures("hosted_mode")
def test_the_perceptron_page_refuses_settings_past_their_bounds():
    link = {"points": str(10**9), "slopes": ",".join(["1"] * 10_000), "learning_rate": "nan"}
    app = opened("perceptron.py", link)
    assert "Data: points must be at most 100000; got 1000000000." in readable(app.error)
    assert "perceptron.train" not in [button.key for button in app.button]  # the page stops
    assert "learning_rate='nan' (not a finite number)" in notice(app)
