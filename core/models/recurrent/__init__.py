"""The TensorFlow models: recurrent classifiers, taggers, language models and repliers, and the
Keras training, layers and distribution they share."""
