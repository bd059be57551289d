"""The text-prediction task: language models trained on a corpus, scored alike, typed with."""
