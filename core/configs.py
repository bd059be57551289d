"""Typed hyperparameter configs: dataclasses whose fields carry help text and valid ranges.

A setting is declared once (`setting` in its config, or a shared `Setting` that several configs take
with defaults of their own). One description serves three users: the dashboard builds its forms from
it, the CLI parses `--set key=value` with it, and `validate` gives every model the same clear
errors.

A setting that costs memory or time also declares `hosted_maximum`, its bound on a shared server
(hosted mode, core/hosting.py): a form, a share link and `SEQLAB_HOSTED=1 python -m core ...`
all meet that bound through `validate`, so no visitor trains past it.

A setting worth tuning also declares its `search` range (`SearchRange`), where tuning
(core/contest/tuning.py) draws its values: the range lives with the field, beside its bounds.
"""

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from core.errors import InvalidConfig
from core.hosting import hosting_settings


@dataclass(frozen=True)
class SearchRange:
    """Where tuning looks for a setting's value: a number from `low` to `high` (log-uniformly
    when `log`, for rates and strengths that matter by their order of magnitude), or one of
    `choices`."""

    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple | None = None

    def __post_init__(self) -> None:
        if (self.choices is None) == (self.low is None or self.high is None):
            raise ValueError("A search range is either low and high, or choices.")


def setting(
    default: Any,
    help: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple | None = None,
    hosted_maximum: float | None = None,
    search: SearchRange | None = None,
) -> Any:
    """A config field with what a form or a parser needs to know about it; `hosted_maximum`
    is its tighter bound on a shared server, `search` where tuning draws it from."""
    return field(
        default=default,
        metadata={
            "help": help,
            "minimum": minimum,
            "maximum": maximum,
            "choices": choices,
            "hosted_maximum": hosted_maximum,
            "search": search,
        },
    )


@dataclass(frozen=True)
class Setting:
    """A hyperparameter that several configs share, declared once: what it means and its
    bounds. Each config gives its own default, and may give its own search range:
    `units: int = UNITS.field(128, search=SearchRange(32, 256, log=True))`."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple | None = None
    hosted_maximum: float | None = None
    search: SearchRange | None = None

    def field(self, default: Any, search: SearchRange | None = None) -> Any:
        return setting(
            default,
            self.help,
            minimum=self.minimum,
            maximum=self.maximum,
            choices=self.choices,
            hosted_maximum=self.hosted_maximum,
            search=search or self.search,
        )


@dataclass(frozen=True)
class SettingSpec:
    """One hyperparameter as a form or the CLI sees it."""

    name: str
    kind: type
    default: Any
    help: str
    minimum: float | None
    maximum: float | None
    choices: tuple | None
    hosted_maximum: float | None = None
    search: SearchRange | None = None

    def upper_bound(self, hosted: bool) -> float | None:
        """The largest value allowed: the shared server's bound in hosted mode, where one is
        declared."""
        if hosted and self.hosted_maximum is not None:
            return self.hosted_maximum
        return self.maximum


def settings_of(config_class: type) -> list[SettingSpec]:
    """The hyperparameters of a config class: its own first, then those it inherits.

    A model config extends shared ones (optimisation, TF-IDF features); a form should open
    with what makes this model this model, as each class declares it.
    """
    order = [
        name
        for klass in config_class.__mro__
        for name in vars(klass).get("__annotations__", {})
        if name in config_class.__dataclass_fields__
    ]
    rank = {name: order.index(name) for name in set(order)}
    return [
        SettingSpec(
            item.name,
            type(item.default),
            item.default,
            item.metadata["help"],
            item.metadata["minimum"],
            item.metadata["maximum"],
            item.metadata["choices"],
            item.metadata["hosted_maximum"],
            item.metadata["search"],
        )
        for item in sorted(dataclasses.fields(config_class), key=lambda item: rank[item.name])
    ]


def validate(config: Any, hosted: bool | None = None) -> None:
    """Raise InvalidConfig naming the first setting that is out of range or of a wrong type.

    `hosted` (by default: whether this process is in hosted mode) applies the shared server's
    tighter bounds.
    """
    hosted = hosting_settings().hosted if hosted is None else hosted
    for spec in settings_of(type(config)):
        value = getattr(config, spec.name)
        expected = (int, float) if spec.kind is float else spec.kind
        if not isinstance(value, expected) or (spec.kind is int and isinstance(value, bool)):
            raise InvalidConfig(f"{spec.name} must be a {spec.kind.__name__}, got {value!r}.")
        if spec.kind is float and not math.isfinite(value):
            raise InvalidConfig(f"{spec.name} must be a finite number; got {value!r}.")
        if spec.choices is not None and value not in spec.choices:
            raise InvalidConfig(
                f"{spec.name} must be one of {', '.join(map(str, spec.choices))}; got {value!r}."
            )
        if spec.minimum is not None and value < spec.minimum:
            raise InvalidConfig(f"{spec.name} must be at least {spec.minimum}; got {value}.")
        if spec.maximum is not None and value > spec.maximum:
            raise InvalidConfig(f"{spec.name} must be at most {spec.maximum}; got {value}.")
        upper = spec.upper_bound(hosted)
        if upper is not None and value > upper:
            raise InvalidConfig(
                f"{spec.name} must be at most {upper:g} on this shared server (hosted mode); "
                f"got {value}."
            )


def parse_value(spec: SettingSpec, text: str) -> Any:
    """Turn a command-line string into the setting's type, with a clear error."""
    if spec.kind is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise InvalidConfig(f"{spec.name} must be true or false; got {text!r}.")
    try:
        return spec.kind(text)
    except ValueError:
        raise InvalidConfig(f"{spec.name} must be a {spec.kind.__name__}; got {text!r}.") from None


def with_overrides(config: Any, overrides: dict[str, Any], *, frozen: frozenset = frozenset()):
    """A copy of `config` with some settings replaced (strings are parsed), then validated.

    `frozen` names settings that the chosen model fixes (an LSTM's cell type) and refuses them.
    """
    specs = {spec.name: spec for spec in settings_of(type(config))}
    changes = {}
    for name, value in overrides.items():
        if name not in specs or name in frozen:
            allowed = ", ".join(sorted(set(specs) - frozen))
            raise InvalidConfig(f"Unknown setting {name!r}; this model takes: {allowed}.")
        changes[name] = parse_value(specs[name], value) if isinstance(value, str) else value
    updated = dataclasses.replace(config, **changes)
    validate(updated)
    return updated
