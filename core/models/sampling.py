"""Sampling a continuation from a language model: one rule for word and character models.

Each next symbol is drawn from p ** (1 / temperature): below 1 sharpens the distribution,
above 1 flattens it; with `top_k`, only the k likeliest symbols can be drawn. Logs are
scaled before exponentiating, so small probabilities do not underflow to 0.
"""

import numpy as np


def check_sampling(temperature: float, top_k: int | None, length: int, length_name: str) -> None:
    """ValueError for a temperature at or below 0, a top_k below 1 or a negative length."""
    if temperature <= 0:
        raise ValueError(f"temperature must be above 0; got {temperature}.")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be at least 1; got {top_k}.")
    if length < 0:
        raise ValueError(f"{length_name} must be at least 0; got {length}.")


def sample_index(
    log_probs: np.ndarray,
    excluded: list[int],
    temperature: float,
    top_k: int | None,
    rng: np.random.Generator,
) -> int:
    """An index drawn from natural-log probabilities, never one of `excluded`."""
    scaled = np.asarray(log_probs, dtype=np.float64) / temperature
    scaled[excluded] = -np.inf
    if top_k is not None:
        scaled[np.argsort(-scaled, kind="stable")[top_k:]] = -np.inf
    weights = np.exp(scaled - scaled.max())
    return int(rng.choice(len(weights), p=weights / weights.sum()))
