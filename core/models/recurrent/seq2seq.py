"""An LSTM encoder-decoder replier (Sutskever et al. 2014; Vinyals & Le 2015, "A Neural
Conversational Model") that writes its replies word by word.

An encoder LSTM reads the message (its last `message_tokens` tokens); its final states start
a decoder LSTM that reads `<s>` and the reply so far and predicts the next token with a
softmax over the training vocabulary (rare words are one `<unk>` token; `</s>` ends a reply).
The embedding is shared by both sides, as they read the same tokens. Training uses teacher
forcing: the decoder reads the true reply, and the cross entropy of every step counts, with
the padding masked out (the decoder inputs' mask reaches the loss).

- `score` rates a candidate by the model's log-probability of it given the message: by
  default the mean over its tokens (with `</s>`), since the sum favours short replies
  ("what?") over any longer one whatever the message; `candidate_scoring="sum"` gives the
  sum. Neither ranks well: on 1,000 movie-dialog validation messages the default model scored
  chance (R@1 0.1) within noise either way (bench/README.md, replies.py). A word
  outside the vocabulary is scored as `<unk>`; a candidate longer than `reply_tokens` is
  scored on its first `reply_tokens` tokens, without `</s>`.
- `scoring="mmi"` (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural
  Conversation Models", MMI-antiLM) subtracts `mmi_weight` (lambda) times the candidate's
  log-probability given `NEUTRAL_MESSAGE` (one `<unk>` token: the same decoder's estimate of
  log p(reply), no separate language model), rated the same way (mean or sum), so a reply
  gains for what the message adds to it, not for being common. It did not help: on all 6,447
  movie-dialog validation messages the default model scored the same by likelihood and by MMI
  (lambda 0.25-1.0, mean or sum, `<unk>` or all-padding neutral message), because that model
  barely reads the message: a reply's log-likelihood given its own message hardly differs from
  that given another message, and beats it barely more often than a coin toss would
  (bench/README.md, replies.py). Likelihood stays the default; MMI needs a model that
  conditions on the message.
- `respond(message, k)` is a beam search of width k (k = 1 is greedy decoding): the k
  finished replies with the best log-probabilities given the message, rated by
  `candidate_scoring` (MMI is for ranking given candidates, not applied here).
- `generate` samples one reply, with a temperature and top-k (core/models/sampling.py).
Generated text never contains `<unk>`: the decoder is not allowed to pick it; nor is it empty:
`</s>` cannot come first.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting
from core.models.recurrent.keras_training import (
    BATCH_SIZE,
    EPOCHS,
    compile_classifier,
    fit_with_observer,
    steps_per_epoch,
    training_scope,
)
from core.models.recurrent.reply_tokens import (
    END,
    PADDING,
    START,
    UNKNOWN,
    ReplyTextConfig,
    build_vocabulary,
    checked_message,
    decoder_ids,
    epoch_recall,
    id_tokens,
    joined_tokens,
    token_ids,
)
from core.models.recurrent.vocabulary_archive import VocabularyNetworkArchive
from core.models.repliers import Replier, Response, checked_candidates
from core.models.sampling import check_sampling, sample_index
from core.models.settings import DROPOUT, EMBEDDING_DIM, UNITS, VOCABULARY_SIZE
from core.progress import TrainingObserver

SCORINGS = ("mean", "sum")
OBJECTIVES = ("likelihood", "mmi")
# The encoder's input standing for "no message" when MMI scoring asks for log p(reply): one
# <unk> token, a message the encoder has read in training (unlike an all-padding one).
NEUTRAL_MESSAGE = [UNKNOWN]
META_ENTRY = "seq2seq.json"
SCORE_BATCH = 256  # candidates per network call: (batch, time, vocabulary) logits in memory
NEVER_GENERATED = [PADDING, START, UNKNOWN]


@dataclass(frozen=True)
class Seq2SeqConfig(ReplyTextConfig):
    # Movie dialogs: 8,000 tokens cover about 97% of training tokens; the softmax over them
    # is most of the training time.
    vocabulary_size: int = VOCABULARY_SIZE.field(8_000)
    embedding_dim: int = EMBEDDING_DIM.field(128)
    units: int = UNITS.field(128)
    dropout: float = DROPOUT.field(0.2)
    candidate_scoring: str = setting(
        "mean",
        "How a candidate reply is rated: the mean or the sum of its tokens' log-probabilities "
        "given the message (the sum prefers short replies).",
        choices=SCORINGS,
    )
    # MMI measured no better on movie dialogs (module docstring), so likelihood stays.
    scoring: str = setting(
        "likelihood",
        "What a candidate reply is rated by: its log-likelihood given the message, or MMI, "
        "that minus mmi_weight times its log-likelihood given a neutral message (how generic "
        "the reply is).",
        choices=OBJECTIVES,
    )
    # 0.25 to 1.0 measured alike on movie-dialog validation (all chance), so none is better.
    mmi_weight: float = setting(
        0.5,
        "How much of a reply's own log-likelihood MMI scoring subtracts (0 is likelihood).",
        minimum=0.0,
        maximum=2.0,
    )
    batch_size: int = BATCH_SIZE.field(128)
    # Three passes keep a movie-dialog training to minutes, not hours, on two shared cores
    # (bench/README.md, replies.py).
    epochs: int = EPOCHS.field(3)


class Seq2Seq(VocabularyNetworkArchive, Replier):
    """Embedding -> encoder LSTM -> decoder LSTM -> softmax over the vocabulary at each step.

    After `fit`: `vocabulary_` and `model_`, the Keras network from (message ids, decoder
    input ids) to next-token logits (batch, time, vocabulary + 1; id 0 pads).
    """

    config_class = Seq2SeqConfig
    meta_entry = META_ENTRY

    def _network(self, config: Seq2SeqConfig):
        import keras

        embedding = keras.layers.Embedding(
            len(self.vocabulary_) + 1, config.embedding_dim, mask_zero=True, name="embedding"
        )
        dropout = keras.layers.Dropout(config.dropout)
        messages = keras.Input(shape=(None,), dtype="int32", name="message_ids")
        replies = keras.Input(shape=(None,), dtype="int32", name="decoder_ids")
        _, state_h, state_c = keras.layers.LSTM(config.units, return_state=True, name="encoder")(
            dropout(embedding(messages))
        )  # (batch, units) each
        decoded = keras.layers.LSTM(
            config.units, return_sequences=True, return_state=True, name="decoder"
        )(dropout(embedding(replies)), initial_state=[state_h, state_c])[0]
        logits = keras.layers.Dense(len(self.vocabulary_) + 1, name="logits")(dropout(decoded))
        return keras.Model([messages, replies], logits, name="seq2seq")  # (batch, time, V + 1)

    def _fit_checked(self, config, messages, replies, validation, observer: TrainingObserver):
        import keras

        keras.utils.set_random_seed(self.random_state)
        self.vocabulary_ = build_vocabulary(messages + replies, config.vocabulary_size)
        inputs, targets = decoder_ids(self.vocabulary_, replies, config.reply_tokens)
        with training_scope():
            self.model_ = self._network(config)
        self._prepare_inference()
        compile_classifier(
            self.model_,
            config,
            config.epochs * steps_per_epoch(len(targets), config),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        self.stopped_ = fit_with_observer(
            self.model_,
            [self._message_ids(messages), inputs],
            targets,
            None,
            config,
            observer,
            self.history_,
            epoch_recall(self, validation),
        )

    def _message_ids(self, messages) -> np.ndarray:
        checked = [checked_message(message) for message in messages]
        return token_ids(self.vocabulary_, checked, self.resolved_config.message_tokens, True)

    def _prepare_inference(self) -> None:
        """Traced functions (one trace for every batch and length) for scoring candidates,
        encoding a message, and one decoder step."""
        import keras
        import tensorflow as tf

        network = self.model_
        embedding, decoder, output = (
            network.get_layer(name) for name in ("embedding", "decoder", "logits")
        )

        def token_log_probs(messages, inputs, targets):  # (batch, time) each
            log_probs = tf.nn.log_softmax(network([messages, inputs], training=False))
            picked = tf.gather(log_probs, targets, batch_dims=2)  # (batch, time)
            return picked * tf.cast(targets != PADDING, picked.dtype)

        ids = tf.TensorSpec([None, None], tf.int32)
        self._token_log_probs = tf.function(token_log_probs, input_signature=[ids, ids, ids])
        message = keras.Input(shape=(None,), dtype="int32")
        _, state_h, state_c = network.get_layer("encoder")(embedding(message))
        encoder = keras.Model(message, [state_h, state_c])
        token = keras.Input(shape=(1,), dtype="int32")
        states = [keras.Input(shape=(self.resolved_config.units,)) for _ in range(2)]
        decoded, step_h, step_c = decoder(embedding(token), initial_state=states)
        step = keras.Model([token, *states], [output(decoded)[:, 0], step_h, step_c])
        state = tf.TensorSpec([None, self.resolved_config.units], tf.float32)
        self._encode = tf.function(lambda ids: encoder(ids, training=False), input_signature=[ids])
        self._step = tf.function(
            lambda tokens, h, c: step([tokens, h, c], training=False),
            input_signature=[tf.TensorSpec([None, 1], tf.int32), state, state],
        )
        # Traced now, not at the first message: an eager call of a Keras model costs far more a
        # step than a traced one (bench/README.md, Figures formerly in code comments).
        self._encode.get_concrete_function()
        self._step.get_concrete_function()

    def _rated(self, log_probs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Candidates' scores from their summed log-probabilities and token counts."""
        if self.resolved_config.candidate_scoring == "sum":
            return log_probs
        return log_probs / np.maximum(lengths, 1)

    def _reply_log_probs(self, message_ids: np.ndarray, replies: list[str]) -> np.ndarray:
        """Each reply's log-probability given the message ids of its row, rated by
        `candidate_scoring`."""
        inputs, targets = decoder_ids(self.vocabulary_, replies, self.resolved_config.reply_tokens)
        sums = np.zeros(len(replies))
        for start in range(0, len(replies), SCORE_BATCH):
            rows = slice(start, start + SCORE_BATCH)
            picked = self._token_log_probs(message_ids[rows], inputs[rows], targets[rows])
            sums[rows] = np.asarray(picked, dtype=np.float64).sum(axis=1)
        return self._rated(sums, np.count_nonzero(targets, axis=1))

    def score(self, messages, candidates) -> np.ndarray:
        """Each candidate's log-probability given its message, as `candidate_scoring` says;
        under MMI minus `mmi_weight` times its log-probability given `NEUTRAL_MESSAGE`."""
        config = self.resolved_config
        width = checked_candidates(messages, candidates)
        flat = [reply for row in candidates for reply in row]
        scores = self._reply_log_probs(np.repeat(self._message_ids(messages), width, axis=0), flat)
        if config.scoring == "mmi":
            # log p(reply) does not depend on the message: once per distinct reply text.
            distinct = list(dict.fromkeys(flat))
            neutral = np.tile(np.array([NEUTRAL_MESSAGE], dtype=np.int32), (len(distinct), 1))
            generic = dict(zip(distinct, self._reply_log_probs(neutral, distinct), strict=True))
            scores -= config.mmi_weight * np.array([generic[reply] for reply in flat])
        return scores.reshape(len(messages), width)

    def _next_log_probs(self, tokens: np.ndarray, states: list) -> tuple[np.ndarray, list]:
        """Natural-log next-token probabilities (beams, V + 1) after `tokens` (beams,), and
        the decoder's new states; called directly, a typed message answers at once."""
        logits, state_h, state_c = self._step(tokens[:, None].astype(np.int32), *states)
        logits = np.asarray(logits, dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return log_probs, [np.asarray(state_h), np.asarray(state_c)]

    def _encoded(self, message: str) -> list[np.ndarray]:
        """The encoder's final states for one message, (1, units) each."""
        states = self._encode(self._message_ids([message]))
        return [np.asarray(state) for state in states]

    def respond(self, message: str, k: int = 3) -> list[Response]:
        """The k best replies a beam search of width k finds, best first."""
        states = self._encoded(message)
        beams = [([], 0.0)]  # (token ids so far, summed log-probability)
        finished = []
        for step in range(self.resolved_config.reply_tokens + 1):
            last = np.array([tokens[-1] if tokens else START for tokens, _ in beams])
            log_probs, states = self._next_log_probs(last, states)
            log_probs[:, NEVER_GENERATED] = -np.inf
            if step == 0:
                log_probs[:, END] = -np.inf  # a reply has at least one token
            if step == self.resolved_config.reply_tokens:
                log_probs[:, np.arange(log_probs.shape[1]) != END] = -np.inf
            totals = np.array([total for _, total in beams])[:, None] + log_probs
            alive = []
            for flat in np.argsort(-totals, axis=None, kind="stable")[: 2 * k]:
                beam, token = divmod(int(flat), log_probs.shape[1])
                tokens, total = beams[beam][0] + [token], float(totals[beam, token])
                if token == END:
                    finished.append((tokens, total))
                elif len(alive) < k:
                    alive.append((beam, tokens, total))
            if len(finished) >= k or not alive:
                break
            beams = [(tokens, total) for _, tokens, total in alive]
            keep = [beam for beam, _, _ in alive]
            states = [state[keep] for state in states]
        rated = self._rated(
            np.array([total for _, total in finished]),
            np.array([len(tokens) for tokens, _ in finished]),
        )
        best = np.argsort(-rated, kind="stable")[:k]
        return [
            Response(
                joined_tokens(id_tokens(self.vocabulary_, finished[index][0])), float(rated[index])
            )
            for index in best
        ]

    def generate(
        self,
        message: str,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int = 0,
        max_words: int | None = None,
    ) -> str:
        """One reply sampled token by token (core/models/sampling.py), reproducible for a
        seed; at most `max_words` tokens (default `reply_tokens`)."""
        max_words = self.resolved_config.reply_tokens if max_words is None else max_words
        check_sampling(temperature, top_k, max_words, "max_words")
        states = self._encoded(message)
        rng = np.random.default_rng(seed)
        tokens, last = [], START
        while len(tokens) < max_words:
            log_probs, states = self._next_log_probs(np.array([last]), states)
            excluded = NEVER_GENERATED if tokens else [*NEVER_GENERATED, END]  # never empty
            last = sample_index(log_probs[0], excluded, temperature, top_k, rng)
            if last == END:
                break
            tokens.append(last)
        return joined_tokens(id_tokens(self.vocabulary_, tokens))

    def _restore(self, meta: dict, path: Path) -> None:
        self._prepare_inference()
