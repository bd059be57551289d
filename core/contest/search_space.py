"""What tuning searches: each model's declared ranges, and the random draws from them.

A config field declares its range beside its bounds (core/configs.py `SearchRange`);
`search_space` collects them for a model, within the shared server's bounds in hosted mode.
`NumberedRandomSampler` draws a trial's values from the sweep's seed and the trial's number
alone, so processes sharing a sweep draw distinct configs and a sweep repeats for its seed.
"""

import dataclasses
import math
import zlib
from typing import Any

import numpy as np

from core.configs import SearchRange, settings_of
from core.models.registry import ModelSpec


class NumberedRandomSampler:
    """Random search whose draw of a setting for trial k depends only on the sweep's seed, k
    and the setting's name: workers sharing a sweep (each given the same seed) draw distinct
    configs, and a sweep repeats for its seed. Numbers are uniform, or log-uniform where the
    range says so; choices are uniform."""

    def __new__(cls, seed: int):
        import optuna

        class Sampler(optuna.samplers.BaseSampler):
            def infer_relative_search_space(self, study, trial):
                return {}

            def sample_relative(self, study, trial, search_space):
                return {}

            def sample_independent(self, study, trial, name, distribution):
                rng = np.random.default_rng([seed, trial.number, zlib.crc32(name.encode())])
                return _draw(rng, distribution)

        return Sampler()


def _draw(rng: np.random.Generator, distribution) -> Any:
    from optuna.distributions import CategoricalDistribution, IntDistribution

    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[int(rng.integers(len(distribution.choices)))]
    low, high = distribution.low, distribution.high
    whole = isinstance(distribution, IntDistribution)
    if distribution.log:
        top = math.log(high + 1) if whole else math.log(high)
        value = math.exp(rng.uniform(math.log(low), top))
    else:
        value = rng.uniform(low, high + 1 if whole else high)
    return int(min(max(math.floor(value), low), high)) if whole else float(value)


def search_space(spec: ModelSpec, hosted: bool) -> dict[str, SearchRange]:
    """The settings tuning draws for `spec`, with their ranges: those its config declares a
    search range for, less the ones its name fixes; in hosted mode each range ends at the
    setting's bound there, and a range wholly above it is not searched."""
    space = {}
    for setting in settings_of(spec.config_class):
        searched = setting.search
        if searched is None or setting.name in spec.fixed:
            continue
        if searched.choices is None:
            upper = setting.upper_bound(hosted)
            high = searched.high if upper is None else min(searched.high, upper)
            if high < searched.low:
                continue
            searched = dataclasses.replace(searched, high=high)
        space[setting.name] = searched
    return space


def suggest(trial, name: str, searched: SearchRange, kind: type) -> Any:
    if searched.choices is not None:
        return trial.suggest_categorical(name, list(searched.choices))
    if kind is int:
        return trial.suggest_int(name, int(searched.low), int(searched.high), log=searched.log)
    return trial.suggest_float(name, float(searched.low), float(searched.high), log=searched.log)
