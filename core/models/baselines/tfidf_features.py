"""TF-IDF features for the text baselines, saved as plain arrays instead of a pickle.

Word n-grams, character n-grams within word boundaries, or both side by side; rows are
L2-normalised, so a dot product of two rows is their cosine similarity. A fitted vectorizer
is fully described by its terms and their idf weights, which is what `arrays` saves and
`from_arrays` restores (scikit-learn accepts a fixed vocabulary and a settable `idf_`).
"""

from dataclasses import dataclass

import numpy as np

from core.configs import SearchRange, Setting, setting, settings_of
from core.errors import UserFacingError
from core.hosting import hosting_settings
from core.models.string_arrays import pack_strings, unpack_strings

FEATURE_KINDS = ("words", "characters", "words+characters")
FEATURES = Setting(
    "words: word n-grams; characters: character n-grams inside words (robust to typos and word "
    "forms); words+characters: both.",
    choices=FEATURE_KINDS,
    search=SearchRange(choices=FEATURE_KINDS),
)
SIMILARITY_CHUNK = 512  # query rows per sparse product, to bound memory


@dataclass(frozen=True)
class TfidfConfig:
    features: str = FEATURES.field("words")
    word_ngram_max: int = setting(
        2,
        "Longest word n-gram: 1 single words, 2 adds word pairs, ...",
        minimum=1,
        maximum=4,
        search=SearchRange(1, 3),
    )
    char_ngram_max: int = setting(
        5,
        "Longest character n-gram (they start at 2).",
        minimum=2,
        maximum=8,
        search=SearchRange(3, 6),
    )
    min_document_frequency: int = setting(
        1,
        "Ignore terms found in fewer training texts than this.",
        minimum=1,
        maximum=1000,
        search=SearchRange(1, 3),
    )
    max_features: int = setting(
        100_000,
        "Keep at most this many of the most frequent terms per kind; 0 keeps all (on a shared "
        "server, as many as its bound there).",
        minimum=0,
        maximum=10_000_000,
        hosted_maximum=1_000_000,
    )
    sublinear_tf: bool = setting(
        True,
        "Count a term 1 + log(count) times instead of count.",
        search=SearchRange(choices=(True, False)),
    )


def _vectorizer_settings(config: TfidfConfig) -> list[dict]:
    # 0 keeps all terms, but on a shared server no more than the setting's hosted bound: a
    # link's 0 must not lift that bound.
    [limit] = [item for item in settings_of(TfidfConfig) if item.name == "max_features"]
    all_terms = limit.hosted_maximum if hosting_settings().hosted else None
    shared = {
        "min_df": config.min_document_frequency,
        "max_features": config.max_features or all_terms,
        "sublinear_tf": config.sublinear_tf,
        "dtype": np.float32,
    }
    words = {"analyzer": "word", "ngram_range": (1, config.word_ngram_max), **shared}
    characters = {"analyzer": "char_wb", "ngram_range": (2, config.char_ngram_max), **shared}
    return {
        "words": [words],
        "characters": [characters],
        "words+characters": [words, characters],
    }[config.features]


class TfidfFeatures:
    """One or two TfidfVectorizers whose outputs are joined and L2-normalised per text."""

    def __init__(self, config: TfidfConfig) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.config = config
        self.vectorizers = [TfidfVectorizer(**kwargs) for kwargs in _vectorizer_settings(config)]

    def fit_transform(self, texts: np.ndarray):
        try:
            return self._join([vectorizer.fit_transform(texts) for vectorizer in self.vectorizers])
        except ValueError as error:  # scikit-learn: "empty vocabulary" or min_df too high
            raise UserFacingError(
                f"No terms to learn from ({error}). The texts may be empty or contain only "
                "punctuation, or min_document_frequency is higher than the number of texts."
            ) from error

    def transform(self, texts: np.ndarray):
        return self._join([vectorizer.transform(texts) for vectorizer in self.vectorizers])

    @staticmethod
    def _join(blocks: list):
        from scipy.sparse import hstack
        from sklearn.preprocessing import normalize

        joined = blocks[0] if len(blocks) == 1 else hstack(blocks, format="csr")
        return normalize(joined).astype(np.float32)

    @property
    def term_count(self) -> int:
        return sum(len(vectorizer.vocabulary_) for vectorizer in self.vectorizers)

    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as named plain arrays (for np.savez, no pickle)."""
        state = {}
        for index, vectorizer in enumerate(self.vectorizers):
            state[f"terms_{index}"], state[f"term_ends_{index}"] = pack_strings(
                vectorizer.get_feature_names_out()
            )
            state[f"idf_{index}"] = vectorizer.idf_
        return state

    @classmethod
    def from_arrays(cls, config: TfidfConfig, arrays) -> "TfidfFeatures":
        from sklearn.feature_extraction.text import TfidfVectorizer

        features = cls(config)
        features.vectorizers = []
        for index, kwargs in enumerate(_vectorizer_settings(config)):
            terms = unpack_strings(arrays[f"terms_{index}"], arrays[f"term_ends_{index}"])
            vectorizer = TfidfVectorizer(
                **kwargs, vocabulary={term: column for column, term in enumerate(terms)}
            )
            vectorizer.idf_ = arrays[f"idf_{index}"]
            features.vectorizers.append(vectorizer)
        return features


def top_similar(queries, index, count: int, exclude_self: bool = False):
    """(indices, cosine similarities) of the `count` rows of `index` most similar to each row
    of `queries`, most similar first; both are L2-normalised TF-IDF matrices.

    With `exclude_self`, query row i is row i of the index and never its own neighbour.
    """
    count = min(count, index.shape[0] - int(exclude_self))
    indices, similarities = [], []
    for start in range(0, queries.shape[0], SIMILARITY_CHUNK):
        block = (queries[start : start + SIMILARITY_CHUNK] @ index.T).toarray()
        if exclude_self:
            rows = np.arange(block.shape[0])
            block[rows, rows + start] = -np.inf
        top = np.argpartition(-block, count - 1, axis=1)[:, :count]
        top_similarities = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-top_similarities, axis=1, kind="stable")
        indices.append(np.take_along_axis(top, order, axis=1))
        similarities.append(np.take_along_axis(top_similarities, order, axis=1))
    return np.concatenate(indices), np.concatenate(similarities)
