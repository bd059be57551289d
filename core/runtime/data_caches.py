"""Every per-process cache of loaded data, and one call that empties them all.

Datasets, corpora, reply pairs and tagged corpora are memoised so a page does not reload them
on every rerun. The model worker (core/runtime/model_worker.py) empties them after each job: a job
loads its data once, and a worker shared by every visitor should not keep the last eight
visitors' datasets while it waits for the next job.
"""

from core.data.corpora import load_corpus
from core.data.datasets import load_dataset
from core.data.labelling import load_labelling_data
from core.data.replies import load_reply_data
from core.tasks.text_prediction.training import prepare_corpus

DATA_CACHES = (load_dataset, load_corpus, prepare_corpus, load_reply_data, load_labelling_data)


def clear_data_caches() -> None:
    for cached in DATA_CACHES:
        cached.cache_clear()
