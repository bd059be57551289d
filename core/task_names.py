"""The six tasks, each named once: data, models, runs and pages all say a task by these names.

The string is what the run store records, the CLI takes and a share link carries, so it never
changes; the title is what a picker shows.
"""

SEQUENCE_CLASSIFICATION = "sequence-classification"
TEXT_CLASSIFICATION = "text-classification"
TEXT_PREDICTION = "text-prediction"
SEQUENCE_LABELLING = "sequence-labelling"
REPLY = "reply"
REGRESSION = "regression"

TASKS = {
    SEQUENCE_CLASSIFICATION: "Sequence classification: images read row by row",
    TEXT_CLASSIFICATION: "Text classification: labelled texts, TF-IDF baselines vs RNNs",
    TEXT_PREDICTION: "Text prediction: next-word language models on a corpus",
    SEQUENCE_LABELLING: "Sequence labelling: a tag for every character or word",
    REPLY: "Reply: answer a message by retrieval or by a neural replier",
    REGRESSION: "Regression: a perceptron fits y = Wx + b to synthetic points",
}
