"""The reply task: repliers trained on message -> reply pairs and scored in 1-of-10."""
