"""The sequence-labelling task: a tag for every token, trained and scored on held-out sentences."""
