"""Scores as pure functions of arrays: classification with intervals and paired tests, and
language models alike whatever their kind. No models, no store: every room may use them."""
