"""What the neural repliers share: one tokeniser, one vocabulary, texts as id arrays, and the
validation recall measured after every epoch.

Both the dual encoder and the sequence-to-sequence model read text the same way: lower-cased,
words kept whole with inner apostrophes ("don't"), and every other non-space character a token
of its own, so "?" and "!" carry signal (a question tends to get an answer, not a question).
The vocabulary is the language models' `Vocabulary` (most frequent training tokens, with
`<unk>`, `<s>` and `</s>`) over these tokens; in the arrays every id is shifted up by one so
that 0 can pad, which `Embedding(mask_zero=True)` then hides from the LSTMs.
"""

import re
from dataclasses import dataclass

import numpy as np

from core.configs import setting
from core.data.vocabulary import END_ID, START_ID, UNKNOWN_ID, Vocabulary
from core.metrics.ranking import validation_recall
from core.models.recurrent.keras_training import KerasTrainingConfig
from core.models.settings import VOCABULARY_SIZE

TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|\S")
PADDING = 0
UNKNOWN, START, END = UNKNOWN_ID + 1, START_ID + 1, END_ID + 1  # ids as the arrays hold them
ATTACHED = re.compile(r" ([.,!?;:)\]])|([(\[]) ")  # no space before, or after, these


@dataclass(frozen=True)
class ReplyTextConfig(KerasTrainingConfig):
    """How much text a neural replier reads; model configs add their layers."""

    vocabulary_size: int = VOCABULARY_SIZE.field(20_000)
    # Movie-dialog messages are 8 tokens at the median and 24 at the 99th percentile.
    message_tokens: int = setting(
        24,
        "Tokens read per message: its last ones, since the end of a message is what a reply "
        "answers.",
        minimum=1,
        maximum=1000,
        hosted_maximum=100,
    )
    reply_tokens: int = setting(
        24,
        "Tokens read per reply: its first ones.",
        minimum=1,
        maximum=1000,
        hosted_maximum=100,
    )


def reply_tokens(text: str) -> list[str]:
    """Lower-cased words and punctuation marks: "What's up?" -> ["what's", "up", "?"]."""
    return TOKEN.findall(text.replace("\u2019", "'").lower())


def joined_tokens(tokens: list[str]) -> str:
    """Tokens back to readable text: punctuation attached to the word before it."""
    return ATTACHED.sub(lambda match: match.group(1) or match.group(2), " ".join(tokens))


def checked_message(message: str) -> str:
    """The message, or a ValueError a user can act on when it holds no text."""
    if not isinstance(message, str) or not message.strip():
        raise ValueError("The message is empty; type a few words to get a reply.")
    return message


def build_vocabulary(texts: list[str], size: int) -> Vocabulary:
    """The `size` most frequent tokens of the training texts seen at least twice: a word met
    once becomes <unk>, so <unk> itself is learnt from training text."""
    return Vocabulary.from_tokens(
        (token for text in texts for token in reply_tokens(text)), max_size=size, min_count=2
    )


def token_ids(vocabulary: Vocabulary, texts, length: int, keep_end: bool = False) -> np.ndarray:
    """(texts, length) int32 ids, padded with 0 after the text; a longer text keeps its first
    `length` tokens, or its last ones with `keep_end`."""
    ids = np.zeros((len(texts), length), dtype=np.int32)
    for row, text in enumerate(texts):
        tokens = reply_tokens(text)
        tokens = tokens[-length:] if keep_end else tokens[:length]
        ids[row, : len(tokens)] = vocabulary.encode(tokens) + 1
    return ids


def decoder_ids(vocabulary: Vocabulary, replies, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets), each (replies, length + 1), for teacher forcing.

    Targets are the reply's first `length` tokens then `</s>` (left out when the reply was
    cut, as it did not end there); inputs are `<s>` then the targets shifted right.
    """
    targets = np.zeros((len(replies), length + 1), dtype=np.int32)
    for row, reply in enumerate(replies):
        tokens = reply_tokens(reply)
        ids = list(vocabulary.encode(tokens[:length]) + 1)
        if len(tokens) <= length:
            ids.append(END)
        targets[row, : len(ids)] = ids
    inputs = np.zeros_like(targets)
    inputs[:, 0] = START
    inputs[:, 1:] = targets[:, :-1]
    # Padding where the targets pad: the inputs' mask is the mask of the loss.
    inputs[targets == PADDING] = PADDING
    return inputs, targets


def id_tokens(vocabulary: Vocabulary, ids) -> list[str]:
    """Tokens of array ids (shifted by one), stopping at padding or `</s>`."""
    tokens = []
    for index in ids:
        if index in (PADDING, END):
            break
        tokens.append(vocabulary.token(int(index) - 1))
    return tokens


def epoch_recall(model, validation: tuple[list[str], list[str]] | None):
    """A function measuring `val_recall_at_1` of the model being trained on the validation
    pairs, for `fit_with_observer` to call after every epoch (a live curve); None without
    validation pairs."""
    if validation is None:
        return None
    return lambda: validation_recall(model, *validation, seed=model.random_state)
