"""A character-level LSTM language model: bits per character, word completion, generation.

It reads raw texts, not the word ids of the shared `Vocabulary`. Each text is first rebuilt
from its word tokens (`character_text`): lower-cased words separated by spaces, with a line
break where `word_tokens` writes `</s>`. So it sees the same words, lower-casing and sentence
ends as the word models and finishes a word exactly where they would split one. Its symbols
are characters of its own vocabulary: the `max_characters` most frequent training characters
plus one unknown character that every other character becomes (and is predicted as).

It does not follow the word-level `LanguageModel` protocol. A word's probability would be
the product of its characters' (with the space after it), but those numbers are normalised
over every string of characters, not over the words of the shared vocabulary; `<unk>` has
no spelling at all. Word perplexity therefore does not apply: this model is compared with
the word models by bits per character and by keystroke savings (`suggest` has the
signature `core.lm_metrics.keystroke_savings` asks for).

Training reads the texts as one stream, each text after a line break (the start of a
document, as `<s>` is for the word models), cut into windows of `sequence_length`
characters read from a zero state; every step predicts the next character. A prediction
then sees the last `sequence_length` characters of `"\\n" + text`. Scoring a long text slides
windows by half their length and keeps each window's second half, so every scored
character sees at least half a window of context, at twice the cost of one pass.
"""

import json
import tempfile
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core import lm_metrics
from core.configs import setting, validate
from core.lm_vocabulary import SENTENCE_END, word_tokens
from core.models.estimator import Estimator
from core.models.keras_training import (
    KerasTrainingConfig,
    compile_classifier,
    fit_with_observer,
    steps_per_epoch,
)
from core.progress import TrainingObserver

UNKNOWN_ID = 0  # the unknown character; never generated nor part of a completion
DOCUMENT_START = "\n"
WORD_ENDS = (" ", "\n")
SCORING_BATCH = 128  # windows per network call when scoring
MAX_WORD_LENGTH = 24  # characters a completion may add to the typed prefix
MODEL_ENTRY, META_ENTRY = "model.keras", "char_language_model.json"


@dataclass(frozen=True)
class CharLstmConfig(KerasTrainingConfig):
    max_characters: int = setting(
        96,
        "Distinct characters kept, most frequent first; rarer ones become one unknown "
        "character. Lower-cased text rarely needs more than letters, digits and accents.",
        minimum=2,
        maximum=10_000,
    )
    embedding_dim: int = setting(32, "Size of each character's vector.", minimum=2, maximum=1024)
    units: int = setting(256, "Hidden units per LSTM layer.", minimum=1, maximum=2048)
    layers: int = setting(1, "Stacked LSTM layers.", minimum=1, maximum=4)
    dropout: float = setting(
        0.1, "Dropout after the embedding and each LSTM layer.", minimum=0.0, maximum=0.9
    )
    sequence_length: int = setting(
        100,
        "Characters per training window (about 20 words): the longest context a prediction sees.",
        minimum=2,
        maximum=2000,
    )
    # 3 epochs are ~1,100 steps on 2.3 MB of Wikipedia: 0.003 left the model half-trained
    # (validation 2.12 nats per character after one epoch, against 2.00 with 0.01).
    learning_rate: float = setting(0.01, "Optimiser step size.", minimum=1e-6, maximum=10.0)
    # 2.5 MB of text is ~400 steps of 64 x 100 characters per epoch: about two minutes each
    # on 2 busy CPU cores with 256 units.
    batch_size: int = setting(64, "Windows per optimisation step.", minimum=1, maximum=65_536)
    epochs: int = setting(3, "Passes over the training windows.", minimum=1, maximum=10_000)


def character_text(text: str) -> str:
    """The text as the model reads it: its word tokens joined by spaces, `</s>` as a line break."""
    pieces: list[str] = []
    for token in word_tokens(text):
        if token == SENTENCE_END:
            pieces.append("\n")
        else:
            if pieces and pieces[-1] != "\n":
                pieces.append(" ")
            pieces.append(token)
    return "".join(pieces)


def _window_rows(predicted: int, length: int, stride: int) -> np.ndarray:
    """Start positions of windows of `length` covering `predicted` positions, `stride` apart,
    the last one ending exactly at the end."""
    starts = list(range(0, predicted - length + 1, stride))
    if starts[-1] + length < predicted:
        starts.append(predicted - length)
    return np.array(starts)


class CharLstmLanguageModel(Estimator):
    """Embedding -> stacked LSTM -> one softmax over the characters at every step.

    After `fit`: `characters_` (the character of each id, the unknown character first, as
    ""), `model_` (ids (batch, time) -> probabilities (batch, time, characters)),
    `history_` (one dict per epoch; `loss` in nats per character) and `stopped_`.
    """

    config_class = CharLstmConfig
    artifact_suffix = ".zip"

    def fit(
        self,
        train_texts: list[str],
        *,
        validation_texts: list[str] | None = None,
        observer: TrainingObserver | None = None,
    ) -> "CharLstmLanguageModel":
        """Learn to predict each character of the texts (as `character_text` gives them)."""
        import keras

        config = self.resolved_config
        validate(config)
        texts = [character_text(text) for text in train_texts]
        if not any(texts):
            raise ValueError("The training texts hold no words.")
        counts = Counter("".join(texts) + DOCUMENT_START)
        frequent = sorted(counts, key=lambda character: (-counts[character], character))
        self.characters_ = [""] + frequent[: config.max_characters]
        self._ids = {character: index for index, character in enumerate(self.characters_)}
        keras.utils.set_random_seed(self.random_state)
        inputs, targets = self._windows(texts, config.sequence_length)
        validation = None
        if validation_texts is not None:
            validation = self._windows(
                [character_text(text) for text in validation_texts], config.sequence_length
            )
        self.model_ = self._network(config)
        compile_classifier(
            self.model_, config, config.epochs * steps_per_epoch(len(inputs), config)
        )
        self.history_: list[dict] = []
        self.stopped_ = fit_with_observer(
            self.model_,
            inputs,
            targets,
            validation,
            config,
            observer or TrainingObserver(),
            self.history_,
        )
        self._prepare_scoring()
        return self

    def _network(self, config: CharLstmConfig):
        import keras

        ids = keras.Input(shape=(None,), dtype="int32", name="character_ids")
        hidden = keras.layers.Embedding(len(self.characters_), config.embedding_dim)(ids)
        hidden = keras.layers.Dropout(config.dropout)(hidden)  # (batch, time, embedding_dim)
        for _ in range(config.layers):
            hidden = keras.layers.LSTM(config.units, return_sequences=True)(hidden)
            hidden = keras.layers.Dropout(config.dropout)(hidden)  # (batch, time, units)
        logits = keras.layers.Dense(len(self.characters_), name="logits")(hidden)
        probabilities = keras.layers.Softmax(name="next_character")(logits)
        return keras.Model(ids, probabilities, name="char_lstm")

    def _encode(self, text: str) -> np.ndarray:
        return np.array([self._ids.get(character, UNKNOWN_ID) for character in text], np.int32)

    def _windows(self, texts: list[str], length: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets), each (windows, length): the stream of texts, each after "\\n"."""
        stream = self._encode("".join(DOCUMENT_START + text for text in texts))
        predicted = len(stream) - 1
        if predicted < 1:
            raise ValueError("The texts hold no characters to predict.")
        length = min(length, predicted)
        rows = _window_rows(predicted, length, length)[:, None] + np.arange(length)
        return stream[rows], stream[rows + 1]

    def _prepare_scoring(self) -> None:
        """One traced function for every batch size and length: no retracing per keystroke."""
        import keras
        import tensorflow as tf

        states = keras.Model(self.model_.input, self.model_.get_layer("logits").input)
        self._states = tf.function(
            lambda ids: states(ids, training=False),
            input_signature=[tf.TensorSpec([None, None], tf.int32)],
        )
        kernel, bias = self.model_.get_layer("logits").get_weights()
        self._kernel, self._bias = kernel.astype(np.float64), bias.astype(np.float64)
        self._ids = {character: index for index, character in enumerate(self.characters_)}

    def _log_softmax(self, ids: np.ndarray) -> np.ndarray:
        """Natural-log next-character probabilities (batch, time, characters) in float64."""
        logits = np.asarray(self._states(ids), np.float64) @ self._kernel + self._bias
        logits -= logits.max(axis=-1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))

    def character_log_probs(self, text: str) -> np.ndarray:
        """Natural log of P(character | those before it) for each character of
        `character_text(text)`, the first predicted after the document start."""
        stream = self._encode(DOCUMENT_START + character_text(text))
        predicted = len(stream) - 1
        if predicted == 0:
            return np.zeros(0)
        length = min(self.resolved_config.sequence_length, predicted)
        starts = _window_rows(predicted, length, max(1, length // 2))
        scores, covered = [], 0
        for batch in range(0, len(starts), SCORING_BATCH):
            rows = starts[batch : batch + SCORING_BATCH, None] + np.arange(length)
            log_probs = self._log_softmax(stream[rows])  # (windows, length, characters)
            for window, start in enumerate(starts[batch : batch + SCORING_BATCH]):
                # Keep only positions not yet scored: they see the most context this window has.
                positions = np.arange(covered, start + length)
                scores.append(log_probs[window, positions - start, stream[positions + 1]])
                covered = start + length
        return np.concatenate(scores)

    def bits_per_character(self, texts: list[str]) -> float:
        """Mean -log2 p over every character (spaces and line breaks included) of the texts."""
        return lm_metrics.bits_per_character(
            np.concatenate([self.character_log_probs(text) for text in texts])
        )

    def _context(self, context_text: str, prefix: str = "") -> str:
        """What the network reads before the next character: the document start, the context
        as the model writes text, a space if a word ended, then the typed prefix."""
        text = character_text(context_text)
        if text and not text.endswith("\n"):
            text += " "
        return DOCUMENT_START + text + prefix.lower()

    def _next_log_probs(self, contexts: list[str]) -> np.ndarray:
        """(contexts, characters) next-character log-probs, each context cut to its last
        sequence_length characters; contexts of unequal length are read one at a time."""
        length = self.resolved_config.sequence_length
        ids = [self._encode(context[-length:]) for context in contexts]
        if len({len(row) for row in ids}) == 1:
            return self._log_softmax(np.stack(ids))[:, -1]
        return np.stack([self._log_softmax(row[None])[0, -1] for row in ids])

    def complete_word(self, context_text: str, prefix: str, k: int) -> list[str]:
        """The k likeliest words starting with `prefix` after `context_text`, best first.

        A beam search of width 2k over characters: each step extends the best unfinished
        words by one character and finishes each with the probability of a space or line
        break next. It stops when k finished words beat every unfinished one (extending only
        lowers a probability) or after MAX_WORD_LENGTH characters.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1; got {k}.")
        prefix = prefix.lower()
        context = self._context(context_text)
        ends = [self._ids[end] for end in WORD_ENDS if end in self._ids]
        beams: list[tuple[str, float]] = [(prefix, 0.0)]
        finished: dict[str, float] = {}
        for _ in range(MAX_WORD_LENGTH + 1):
            log_probs = self._next_log_probs([context + word for word, _ in beams])
            extended = []
            for (word, score), row in zip(beams, log_probs, strict=True):
                if word:
                    finished[word] = score + float(np.logaddexp.reduce(row[ends]))
                for index in np.argsort(-row)[: 2 * k + len(ends) + 1]:
                    if index != UNKNOWN_ID and index not in ends:
                        extended.append((word + self.characters_[index], score + row[index]))
            beams = sorted(extended, key=lambda beam: -beam[1])[: 2 * k]
            best = sorted(finished.values(), reverse=True)
            if not beams or (len(best) >= k and best[k - 1] >= beams[0][1]):
                break
        return sorted(finished, key=lambda word: (-finished[word], word))[:k]

    def next_words(self, context_text: str, k: int) -> list[str]:
        """The k likeliest next words after `context_text` (nothing of them typed yet)."""
        return self.complete_word(context_text, "", k)

    def suggest(self, context: tuple[str, ...], prefix: str, k: int) -> list[str]:
        """`complete_word` for the word tokens before the cursor: a `lm_metrics.Suggester`."""
        text = " ".join("\n" if token == SENTENCE_END else token for token in context)
        return self.complete_word(text, prefix, k)

    def generate_text(
        self,
        prompt: str,
        max_characters: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int = 0,
    ) -> str:
        """`max_characters` sampled after the prompt (never the unknown character).

        Each is drawn from p ** (1 / temperature), among the `top_k` likeliest if given; the
        same seed gives the same text. The prompt is read as `character_text` writes it.
        """
        if temperature <= 0:
            raise ValueError(f"temperature must be above 0; got {temperature}.")
        if top_k is not None and top_k < 1:
            raise ValueError(f"top_k must be at least 1; got {top_k}.")
        if max_characters < 0:
            raise ValueError(f"max_characters must be at least 0; got {max_characters}.")
        rng = np.random.default_rng(seed)
        text = DOCUMENT_START + character_text(prompt)
        generated = ""
        for _ in range(max_characters):
            scaled = self._next_log_probs([text + generated])[0] / temperature
            scaled[UNKNOWN_ID] = -np.inf
            if top_k is not None:
                scaled[np.argsort(-scaled, kind="stable")[top_k:]] = -np.inf
            weights = np.exp(scaled - scaled.max())
            generated += self.characters_[rng.choice(len(weights), p=weights / weights.sum())]
        return generated

    def count_params(self) -> int:
        return int(self.model_.count_params())

    def _write(self, path: Path) -> None:
        """One zip holding the .keras network and, as JSON, config, characters and history."""
        meta = {
            "config": asdict(self.resolved_config),
            "characters": self.characters_,
            "history": self.history_,
            "stopped": self.stopped_,
        }
        with tempfile.TemporaryDirectory() as directory:
            network = Path(directory) / MODEL_ENTRY
            self.model_.save(network)
            with zipfile.ZipFile(path, "w") as archive:
                archive.write(network, MODEL_ENTRY)
                archive.writestr(META_ENTRY, json.dumps(meta))

    @classmethod
    def load(cls, path: Path, config: CharLstmConfig | None = None) -> "CharLstmLanguageModel":
        """Rebuild a fitted model from its artifact (the config it was trained with if None)."""
        import keras

        with tempfile.TemporaryDirectory() as directory, zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read(META_ENTRY))
            network = archive.extract(MODEL_ENTRY, directory)
            # safe_mode refuses files that would deserialise arbitrary Python code (lambdas).
            model_ = keras.saving.load_model(network, safe_mode=True, compile=False)
        model = cls(config if config is not None else CharLstmConfig(**meta["config"]))
        model.model_, model.characters_ = model_, meta["characters"]
        model.history_, model.stopped_ = meta["history"], meta["stopped"]
        model._prepare_scoring()
        return model
