"""One file for a Keras network with a word vocabulary: the word LSTM, the seq2seq replier and
the dual encoder each save the same parts (network, config, vocabulary, history, stop flag)
plus a few of their own, so the zip layout and its reading live here once."""

from dataclasses import asdict
from pathlib import Path

from core.data.vocabulary import Vocabulary
from core.models.recurrent.keras_training import read_network_archive, write_network_archive


class VocabularyNetworkArchive:
    """Mixin for estimators with `model_`, `vocabulary_`, `history_`, `stopped_` and
    `resolved_config`; the model file is a zip (see `write_network_archive`, no pickle)."""

    artifact_suffix = ".zip"
    meta_entry: str  # the JSON entry's name inside the zip, e.g. "seq2seq.json"

    def count_params(self) -> int:
        return int(self.model_.count_params())

    def _extra_meta(self) -> dict:
        """JSON-ready state of the model's own to save beside the shared parts."""
        return {}

    def _extra_arrays(self) -> dict | None:
        """Arrays of the model's own to save as an .npz entry."""
        return None

    def _restore(self, meta: dict, path: Path) -> None:
        """Rebuild the rest (own state, inference helpers) once the shared parts are back."""

    def _write(self, path: Path) -> None:
        meta = {
            "config": asdict(self.resolved_config),
            "vocabulary": self.vocabulary_.to_dict(),
            "history": self.history_,
            "stopped": self.stopped_,
            **self._extra_meta(),
        }
        write_network_archive(path, self.model_, self.meta_entry, meta, self._extra_arrays())

    def _read(self, path: Path) -> None:
        self.model_, meta = read_network_archive(path, self.meta_entry)
        self.vocabulary_ = Vocabulary.from_dict(meta["vocabulary"])
        self.history_, self.stopped_ = meta["history"], meta["stopped"]
        self._restore(meta, path)
