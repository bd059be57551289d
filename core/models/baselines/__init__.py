"""The simple solutions every neural model is measured against: linear models, TF-IDF, n-grams."""
