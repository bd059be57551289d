"""Words, document splits and the one vocabulary that every language model of a corpus shares.

Perplexities of two language models are comparable only if they predict the same set of
symbols from the same text. Out-of-vocabulary words all become `<unk>`, and `<unk>` is then
predicted like any other word (the usual Penn Treebank convention). A model with a smaller
vocabulary turns more words into `<unk>`, an easy and frequent prediction, and so scores a
lower perplexity without being better: the n-gram baseline and the LSTMs must therefore read
ids from the same `Vocabulary`, the same tokenisation, and the same document split.
"""

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from core.data.splits import Split
from core.errors import UserFacingError
from core.metrics.language import unknown_rate

UNKNOWN = "<unk>"
SENTENCE_START = "<s>"
SENTENCE_END = "</s>"
SPECIAL_TOKENS = (UNKNOWN, SENTENCE_START, SENTENCE_END)  # always ids 0, 1, 2, in this order
UNKNOWN_ID, START_ID, END_ID = range(len(SPECIAL_TOKENS))

# A number keeps its decimal point or thousands separator ("3.5", "1,000"); a word is letters
# and digits with inner apostrophes ("don't", "5th"); .!? or a line break ends a sentence.
TOKEN = re.compile(r"(\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*)|([.!?]+|\n)")
TYPED_WORD_AT_END = re.compile(r"[^\W_]+(?:'[^\W_]*)*\Z")


def word_tokens(text: str) -> list[str]:
    """Lower-cased words, with `</s>` where a sentence ends.

    Words are runs of letters and digits (accents kept, as in "état"); an apostrophe inside
    a word keeps it whole ("don't"), while hyphens and other punctuation split words and are
    dropped. Numbers stay as they are written ("1990", "3.5"): frequent ones such as years
    earn a place in the vocabulary, the rest become `<unk>` like any rare word.

    `.`, `!`, `?` and line breaks end a sentence, so the model learns what starts one. Line
    breaks count because headings and list items in articles have no full stop; text
    hard-wrapped mid-sentence gets spurious sentence ends. Abbreviations ("e.g.") end one
    too: telling them apart needs a list of them, and the cost is a few extra `</s>`. No
    `</s>` is written at the start, twice in a row, or after a last sentence with no mark,
    so text being typed ("I went to the") ends on its last word.
    """
    tokens: list[str] = []
    for word, _sentence_end in TOKEN.findall(text.replace("\u2019", "'").lower()):
        if word:
            tokens.append(word)
        elif tokens and tokens[-1] != SENTENCE_END:
            tokens.append(SENTENCE_END)
    return tokens


def split_typed_text(text: str) -> tuple[list[str], str]:
    """(tokens before the word being typed, its typed prefix) for next-word suggestions.

    "The cat s" gives (["the", "cat"], "s"): complete "s"; "The cat " gives
    (["the", "cat"], ""): suggest the next word. The prefix is lower-cased like a token.
    """
    typed = TYPED_WORD_AT_END.search(text.replace("\u2019", "'"))
    if typed is None:
        return word_tokens(text), ""
    return word_tokens(text[: typed.start()]), typed.group().lower()


def split_by_document(
    documents: Sequence, seed: int, test_fraction: float = 0.1, validation_fraction: float = 0.1
) -> Split:
    """Document indices split into train, validation and test, the same for every model.

    Whole documents go to one part, so a test article is never half-read in training. The
    fractions are of all documents; each non-zero fraction gets at least one document.
    """
    if test_fraction < 0 or validation_fraction < 0 or test_fraction + validation_fraction >= 1:
        raise UserFacingError(
            "Test and validation fractions must be at least 0 and add up to less than 1; "
            f"got {test_fraction} and {validation_fraction}."
        )
    count = len(documents)
    test_count = max(1, round(count * test_fraction)) if test_fraction else 0
    validation_count = max(1, round(count * validation_fraction)) if validation_fraction else 0
    if count - test_count - validation_count < 1:
        raise UserFacingError(
            f"{count} documents are too few to split into train, validation and test parts."
        )
    order = np.random.default_rng(seed).permutation(count)
    test = order[:test_count]
    validation = order[test_count : test_count + validation_count]
    train = order[test_count + validation_count :]
    return Split(np.sort(train), np.sort(validation), np.sort(test), seed)


class Vocabulary:
    """Token <-> id for language models: the special tokens, then words by frequency.

    Ids 0, 1, 2 are `<unk>`, `<s>` (pads the context before a document's first word; never
    predicted in text) and `</s>`; the other ids go to the most frequent training words,
    most frequent first (ties alphabetically), so a smaller id means a more frequent word.
    """

    def __init__(self, tokens: Sequence[str], max_size: int, min_count: int) -> None:
        """From the full token list in id order; use `from_tokens` to build one from text."""
        if tuple(tokens[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise ValueError(f"A vocabulary starts with {', '.join(SPECIAL_TOKENS)}.")
        self.max_size = max_size
        self.min_count = min_count
        self._tokens = tuple(tokens)
        self._ids = {token: index for index, token in enumerate(self._tokens)}
        if len(self._ids) != len(self._tokens):
            raise ValueError("A vocabulary lists each token once.")
        # Words in string order, for prefix lookups by bisection (specials excluded).
        words = sorted(range(len(SPECIAL_TOKENS), len(self._tokens)), key=self._tokens.__getitem__)
        self._sorted_words = [self._tokens[index] for index in words]
        self._sorted_ids = np.array(words, dtype=np.int32)

    @classmethod
    def from_tokens(
        cls, tokens: Iterable[str], max_size: int = 10_000, min_count: int = 2
    ) -> "Vocabulary":
        """The `max_size` tokens in all (specials included) from words seen `min_count` times."""
        if max_size <= len(SPECIAL_TOKENS):
            raise ValueError(f"max_size must leave room for words; got {max_size}.")
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1; got {min_count}.")
        counts = Counter(tokens)
        frequent = sorted(
            (token for token, count in counts.items() if count >= min_count),
            key=lambda token: (-counts[token], token),
        )
        words = [token for token in frequent if token not in SPECIAL_TOKENS]
        return cls(
            SPECIAL_TOKENS + tuple(words[: max_size - len(SPECIAL_TOKENS)]), max_size, min_count
        )

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Ids as int32, with `<unk>` for every token not in the vocabulary."""
        return np.array([self._ids.get(token, UNKNOWN_ID) for token in tokens], dtype=np.int32)

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.token(index) for index in ids]

    def token(self, index: int) -> str:
        if not 0 <= index < len(self._tokens):
            raise ValueError(f"Token id {index} is outside this vocabulary of {len(self)}.")
        return self._tokens[index]

    def ids_with_prefix(self, prefix: str) -> np.ndarray:
        """Ids of the words starting with `prefix` (lower case, as tokens are), by id.

        The completions of a half-typed word; the special tokens are never among them.
        """
        start = bisect.bisect_left(self._sorted_words, prefix)
        # Every word starting with the prefix sorts before the prefix + the last code point.
        end = bisect.bisect_left(self._sorted_words, prefix + "\U0010ffff", lo=start)
        return np.sort(self._sorted_ids[start:end])

    def unknown_rate(self, tokens: Iterable[str]) -> float:
        """The fraction of tokens (sentence ends included) that would be read as `<unk>`."""
        return unknown_rate(tokens, self._ids)

    def to_dict(self) -> dict:
        """Plain JSON-able data; `from_dict` rebuilds the same vocabulary."""
        return {
            "tokens": list(self._tokens),
            "max_size": self.max_size,
            "min_count": self.min_count,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabulary":
        return cls(data["tokens"], data["max_size"], data["min_count"])
