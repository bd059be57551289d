"""Which words made a text classifier answer as it did, by leaving each word out in turn.

Occlusion works for any model on the protocol (a TF-IDF model with character n-grams as well
as an LSTM) and says something concrete: how much the predicted class's log-odds drop when
that word is removed. Log-odds rather than probability, because a confident answer (99.99%)
barely moves in probability while its evidence still differs word by word. It costs one
prediction per word, fine for a text a user types.
"""

import re
from dataclasses import dataclass

import numpy as np

WORD = re.compile(r"\w+(?:'\w+)*")
PROBABILITY_FLOOR = 1e-12  # keeps the log-odds of a probability of exactly 0 or 1 finite
MAX_WORDS = 200  # influence is computed for the first words only; a typed text is far shorter


@dataclass(frozen=True)
class WordInfluence:
    """A word's place in the text and how much it pushed towards the predicted class."""

    start: int
    end: int
    word: str
    influence: float  # predicted-class log-odds with the word minus without it


def word_influence(model, text: str) -> tuple[int, list[WordInfluence]]:
    """The predicted class index, and every word's influence on that prediction."""
    words = list(WORD.finditer(text))[:MAX_WORDS]
    variants = [text] + [text[: match.start()] + text[match.end() :] for match in words]
    probabilities = model.predict_proba(np.asarray(variants, dtype=object))
    predicted = int(np.argmax(probabilities[0]))
    chosen = np.clip(
        probabilities[:, predicted].astype(np.float64), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR
    )
    log_odds = np.log(chosen) - np.log1p(-chosen)
    return predicted, [
        WordInfluence(
            match.start(), match.end(), match.group(), float(log_odds[0] - log_odds[index + 1])
        )
        for index, match in enumerate(words)
    ]
