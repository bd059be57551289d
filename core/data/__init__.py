"""Datasets by name, the data packs, uploads and their parsers, splits, corpora and vocabularies.

Every loader here returns plain arrays and lists: no model, no run store, no Streamlit."""
