"""Dictionary features for word segmentation: which known words start and end at a character.

A character tagger that segments words has to learn the vocabulary in its weights, and on
wiki-sample its validation accuracy stops rising while training accuracy still climbs. The
classic remedy (lexicon features in Chinese word segmentation) tells it, at every character,
which lengths of lexicon word start there and which end there: 2 * `max_length` flags.

The lexicon comes from the training data only (the words that characters and word-start tags
spell) and lives in a Keras layer, `LexiconMatches`, whose config holds the words: a saved
tagger still takes raw characters and loads in safe mode. TensorFlow is imported only when
the layer class is first asked for (`lexicon_layer_class`).
"""

from functools import cache

import numpy as np

from core.models.taggers import token_vocabulary

WORD_START = 1  # the tag of a character that starts a word in segmentation data
PADDING_TOKEN = ""  # what pads a batch of sequences to its longest (the recurrent tagger's too)
NO_CHARACTER = "\x00"  # stands in for padding, so no lexicon word runs past a sequence's end


def is_segmentation(sequences: list[list[str]], tags: list[np.ndarray]) -> bool:
    """True for word segmentation data: every token one character, and the tags 0 and 1."""
    return all(len(token) == 1 for sequence in sequences for token in sequence) and (
        set(np.concatenate(tags).tolist()) == {0, WORD_START}
    )


def segmentation_words(sequences: list[list[str]], tags: list[np.ndarray]) -> list[list[str]]:
    """The words each sentence spells: ("thecat", 100100) -> ["the", "cat"]."""
    sentences = []
    for characters, labels in zip(sequences, tags, strict=True):
        starts = [0, *np.flatnonzero(labels[1:] == WORD_START) + 1]
        ends = [*starts[1:], len(characters)]
        sentences.append(
            ["".join(characters[a:b]) for a, b in zip(starts, ends, strict=True) if b > a]
        )
    return sentences


def lexicon(
    sequences: list[list[str]], tags: list[np.ndarray], min_count: int, max_length: int
) -> list[str]:
    """Training words seen at least `min_count` times and at most `max_length` characters
    long, most frequent first."""
    words = token_vocabulary(segmentation_words(sequences, tags), 10**9, min_count)
    return [word for word in words if len(word) <= max_length]


@cache
def lexicon_layer_class() -> type:
    """The Keras layer class, registered so that `load_model` in safe mode rebuilds it."""
    import keras
    import tensorflow as tf

    @keras.saving.register_keras_serializable(package="seqlab")
    class LexiconMatches(keras.layers.Layer):
        """(batch, time) characters -> (batch, time, 2 * max_length) flags: feature
        L - 1 is 1 where a lexicon word of L characters starts, feature max_length + L - 1
        where one ends."""

        def __init__(self, words: list[str], max_length: int, **kwargs):
            super().__init__(**kwargs)
            self.words = list(words)
            self.max_length = max_length
            # TensorFlow refuses an empty table; padding is never looked up (it is replaced).
            self.table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant([PADDING_TOKEN, *self.words], dtype=tf.string),
                    tf.constant([0.0] + [1.0] * len(self.words), dtype=tf.float32),
                ),
                default_value=0.0,
            )

        def call(self, tokens):
            tokens = tf.convert_to_tensor(tokens)
            batch, time = tf.shape(tokens)[0], tf.shape(tokens)[1]
            tokens = tf.where(tokens == PADDING_TOKEN, NO_CHARACTER, tokens)
            # (batch, time + max_length): room for the longest word from the last character.
            tail = tf.fill([batch, self.max_length], NO_CHARACTER)
            extended = tf.concat([tokens, tail], axis=1)
            no_match = tf.zeros([batch, self.max_length], dtype=tf.float32)
            grams, starts, ends = tokens, [], []
            for length in range(1, self.max_length + 1):
                if length > 1:
                    grams = tf.strings.join([grams, extended[:, length - 1 : length - 1 + time]])
                started = self.table.lookup(grams)  # (batch, time): a word starts here
                starts.append(started)
                # A word of `length` characters that starts at t ends at t + length - 1.
                shifted = tf.concat([no_match, started], axis=1)
                ends.append(shifted[:, self.max_length - length + 1 :][:, :time])
            return tf.stack(starts + ends, axis=-1)

        def compute_mask(self, tokens, mask=None):
            # Concatenate keeps a position if any input keeps it: mask the padding here too.
            return keras.ops.not_equal(tokens, PADDING_TOKEN)

        def compute_output_shape(self, input_shape):
            return (*input_shape, 2 * self.max_length)

        def compute_output_spec(self, tokens):
            return keras.KerasTensor(self.compute_output_shape(tokens.shape), dtype="float32")

        def get_config(self):
            return {**super().get_config(), "words": self.words, "max_length": self.max_length}

    return LexiconMatches
