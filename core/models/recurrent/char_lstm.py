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
signature `core.metrics.language.keystroke_savings` asks for).

Training reads the texts as one stream, each text after a line break (the start of a
document, as `<s>` is for the word models), cut into windows of `sequence_length`
characters read from a zero state; every step predicts the next character.

Scoring a text (`character_log_probs`, `bits_per_character`) runs the Keras network on such
windows of `"\\n" + text`: they slide by half their length and each keeps its second half, so
every scored character sees at least half a window of context (all the text before it when
that is shorter), at twice the cost of one pass.

Completion and generation instead step a numpy copy of the network (`LstmStepper`) one
character at a time, so a keystroke reads its context once rather than once per character
the search tries. The context is `"\\n" + character_text(context_text)`, plus a space when
it ends in a word (for `complete_word`; `generate_text` continues the prompt as written);
its last `sequence_length` characters are read from a zero state, as a training window is.
Every beam of the search, and every generated character, then continues that state
without cutting it: a completion sees the context window plus the characters typed and
added so far.
"""

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController  # installed with scikit-learn

from core.configs import setting, validate
from core.data.vocabulary import SENTENCE_END, word_tokens
from core.metrics.language import bits_per_character
from core.models.classifiers import as_texts
from core.models.protocol import Estimator
from core.models.recurrent.fast_recurrent import fast_recurrent_classes
from core.models.recurrent.keras_training import (
    BATCH_SIZE,
    EPOCHS,
    LEARNING_RATE,
    KerasTrainingConfig,
    compile_classifier,
    fit_with_observer,
    read_network_archive,
    steps_per_epoch,
    training_scope,
    write_network_archive,
)
from core.models.recurrent.numpy_cells import LstmCell
from core.models.sampling import check_sampling, sample_index
from core.models.settings import DROPOUT, EMBEDDING_DIM, LAYERS, UNITS
from core.progress import TrainingObserver

UNKNOWN_ID = 0  # the unknown character; never generated nor part of a completion
DOCUMENT_START = "\n"
WORD_ENDS = (" ", "\n")
SCORING_BATCH = 128  # windows per network call when scoring
MAX_WORD_LENGTH = 24  # characters a completion may add to the typed prefix
META_ENTRY = "char_language_model.json"


@dataclass(frozen=True)
class CharLstmConfig(KerasTrainingConfig):
    max_characters: int = setting(
        96,
        "Distinct characters kept, most frequent first; rarer ones become one unknown "
        "character. Lower-cased text rarely needs more than letters, digits and accents.",
        minimum=2,
        maximum=10_000,
        hosted_maximum=500,
    )
    embedding_dim: int = EMBEDDING_DIM.field(32)
    units: int = UNITS.field(256)
    layers: int = LAYERS.field(1)
    dropout: float = DROPOUT.field(0.1)
    sequence_length: int = setting(
        100,
        "Characters per training window (about 20 words): the longest context a prediction sees.",
        minimum=2,
        maximum=2000,
        hosted_maximum=200,
    )
    # 3 epochs are ~1,100 steps on 2.3 MB of Wikipedia: 0.003 left the model half-trained,
    # well behind 0.01 after one epoch (bench/README.md, Figures formerly in code comments).
    learning_rate: float = LEARNING_RATE.field(0.01)
    # 2.5 MB of text is ~400 steps of 64 x 100 characters per epoch, which keeps an epoch
    # short on 2 busy CPU cores with 256 units (bench/README.md, Figures formerly in code
    # comments).
    batch_size: int = BATCH_SIZE.field(64)
    epochs: int = EPOCHS.field(3)


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


# Stepping runs numpy's BLAS on one thread: a step's products are tiny, (beams, units) @
# (units, 4 units), and on two busy cores splitting them over threads made a step many times
# slower (bench/README.md, Figures formerly in code comments).
one_blas_thread = ThreadpoolController().wrap(limits=1, user_api="blas")


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


class LstmStepper:
    """The network of a `CharLstmLanguageModel` in float64 numpy, one character per step.

    Each LSTM layer (Keras's or the fast one) steps as a NumPy cell
    (core/models/recurrent/numpy_cells.py), which is what the layer does at inference
    (dropout is off then). A state holds h and c of every layer for a batch of sequences,
    (layers, 2, batch, units), so a beam search keeps its best beams by indexing the batch axis.
    """

    def __init__(self, network) -> None:
        import keras

        (embedding,) = [
            layer for layer in network.layers if isinstance(layer, keras.layers.Embedding)
        ]
        lstm_classes = (keras.layers.LSTM, fast_recurrent_classes()["lstm"])
        self.cells = [
            LstmCell.from_layer(layer)
            for layer in network.layers
            if isinstance(layer, lstm_classes)
        ]
        # The first layer's input part for every character: a lookup instead of a product.
        table = np.float64(embedding.get_weights()[0])  # (characters, embedding_dim)
        self.first_inputs = self.cells[0].project(table)  # (characters, 4 units)
        self.output_kernel, self.output_bias = (
            np.float64(w) for w in network.get_layer("logits").get_weights()
        )

    def zero_state(self, batch: int) -> np.ndarray:
        units = self.cells[0].recurrent_kernel.shape[0]
        return np.zeros((len(self.cells), 2, batch, units))

    def step(self, state: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The state after each sequence of the batch reads its character id in `ids`."""
        new_state = np.empty_like(state)
        below = None
        for index, cell in enumerate(self.cells):
            projected = self.first_inputs[ids] if index == 0 else cell.project(below)
            stepped = cell.step_projected(projected, state[index])  # state[index]: (h, c)
            below = stepped.hidden
            new_state[index] = stepped.state
        return new_state

    def read(self, ids: np.ndarray) -> np.ndarray:
        """The state of one sequence (batch 1) after reading `ids` from a zero state."""
        state = self.zero_state(1)
        for index in ids:
            state = self.step(state, np.array([index]))
        return state

    def output_log_probs(self, hidden: np.ndarray) -> np.ndarray:
        """Natural-log next-character probabilities (..., characters) from the last layer's h."""
        return _log_softmax(hidden @ self.output_kernel + self.output_bias)

    def log_probs(self, state: np.ndarray) -> np.ndarray:
        """(batch, characters) natural-log probabilities of the character after each state."""
        return self.output_log_probs(state[-1, 0])


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
        texts = [character_text(text) for text in as_texts(train_texts)]
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
                [character_text(text) for text in as_texts(validation_texts)],
                config.sequence_length,
            )
        with training_scope():
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
        self._stepper = LstmStepper(self.model_)
        self._ids = {character: index for index, character in enumerate(self.characters_)}

    def _log_softmax(self, ids: np.ndarray) -> np.ndarray:
        """Natural-log next-character probabilities (batch, time, characters) in float64."""
        return self._stepper.output_log_probs(np.asarray(self._states(ids), np.float64))

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
        return bits_per_character(
            np.concatenate([self.character_log_probs(text) for text in texts])
        )

    def _context(self, context_text: str) -> str:
        """What the network reads before a word: the document start, the context as the model
        writes text, and a space if it ends in a word."""
        text = character_text(context_text)
        if text and not text.endswith("\n"):
            text += " "
        return DOCUMENT_START + text

    def _read_context(self, text: str) -> np.ndarray:
        """The numpy state after the last `sequence_length` characters of `text`.

        Remembered for the last text: while a word is typed letter by letter its context
        stays the same, so each keystroke reads it once only.
        """
        window = text[-self.resolved_config.sequence_length :]
        remembered = getattr(self, "_last_context", None)
        if remembered is None or remembered[0] != window:
            state = self._stepper.read(self._encode(window))
            state.flags.writeable = False
            self._last_context = remembered = (window, state)
        return remembered[1]

    @one_blas_thread
    def complete_word(self, context_text: str, prefix: str, k: int) -> list[tuple[str, float]]:
        """The k likeliest (word, probability) starting with `prefix` after `context_text`,
        best first (ties by word).

        The probability is that of the word given the context and that it starts with the
        prefix: the product of the probabilities of the characters after the prefix, each
        given those before it, times that of a word end (a space or a line break) after the
        last one. With no prefix it is the word's probability after the context.

        A beam search of width 2k over characters, continuing the state of the context and
        the prefix (see the module docstring for what it reads): each step extends the best
        unfinished words by one character and finishes each. It stops when k finished words
        beat every unfinished one (extending only lowers a probability) or after
        MAX_WORD_LENGTH characters. Characters outside the model's vocabulary are never added.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1; got {k}.")
        prefix = prefix.lower()
        state = self._read_context(self._context(context_text))
        for character in self._encode(prefix):
            state = self._stepper.step(state, np.array([character]))
        ends = [self._ids[end] for end in WORD_ENDS if end in self._ids]
        words, scores = [prefix], np.zeros(1)  # natural-log probabilities of the added characters
        finished: dict[str, float] = {}
        for added in range(MAX_WORD_LENGTH + 1):
            log_probs = self._stepper.log_probs(state)  # (beams, characters)
            if prefix or added:
                for word, score, row in zip(words, scores, log_probs, strict=True):
                    finished[word] = score + float(np.logaddexp.reduce(row[ends]))
            extended = scores[:, None] + log_probs
            extended[:, [UNKNOWN_ID, *ends]] = -np.inf
            best = np.argsort(-extended, axis=None, kind="stable")[: 2 * k]
            best = best[np.isfinite(extended.flat[best])]
            kth_finished = sorted(finished.values(), reverse=True)[k - 1 : k]
            if (
                added == MAX_WORD_LENGTH
                or not best.size
                or (kth_finished and kth_finished[0] >= extended.flat[best[0]])
            ):
                break
            beams, characters = np.unravel_index(best, extended.shape)
            words = [
                words[beam] + self.characters_[character]
                for beam, character in zip(beams, characters, strict=True)
            ]
            scores = extended[beams, characters]
            state = self._stepper.step(state[:, :, beams], characters)
        ranked = sorted(finished.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [(word, float(np.exp(score))) for word, score in ranked]

    def next_words(self, context_text: str, k: int) -> list[tuple[str, float]]:
        """The k likeliest (next word, probability) after `context_text`, nothing typed yet."""
        return self.complete_word(context_text, "", k)

    def suggest(self, context: tuple[str, ...], prefix: str, k: int) -> list[str]:
        """The words of `complete_word` for the word tokens before the cursor: a
        `Suggester`."""
        text = " ".join("\n" if token == SENTENCE_END else token for token in context)
        return [word for word, _ in self.complete_word(text, prefix, k)]

    @one_blas_thread
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
        check_sampling(temperature, top_k, max_characters, "max_characters")
        rng = np.random.default_rng(seed)
        state = self._read_context(DOCUMENT_START + character_text(prompt))
        generated = ""
        for _ in range(max_characters):
            log_probs = self._stepper.log_probs(state)[0]
            index = sample_index(log_probs, [UNKNOWN_ID], temperature, top_k, rng)
            generated += self.characters_[index]
            state = self._stepper.step(state, np.array([index]))
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
        write_network_archive(path, self.model_, META_ENTRY, meta)

    def _read(self, path: Path) -> None:
        """Restore the network, characters and history; a model built without a config takes
        the one it was trained with."""
        self.model_, meta = read_network_archive(path, META_ENTRY)
        if self.config is None:
            self.config = CharLstmConfig(**meta["config"])
        self.characters_ = meta["characters"]
        self.history_, self.stopped_ = meta["history"], meta["stopped"]
        self._prepare_scoring()

    @classmethod
    def load(cls, path: Path, config: CharLstmConfig | None = None) -> "CharLstmLanguageModel":
        """Rebuild a fitted model from its artifact (the config it was trained with if None)."""
        return super().load(path, config)
