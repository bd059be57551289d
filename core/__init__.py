"""seqlab's headless ML library: datasets, models, training, metrics and the run store.

Nothing here imports Streamlit; TensorFlow is imported lazily, only where a neural model
is built or loaded, so listing datasets or runs stays fast.
"""
