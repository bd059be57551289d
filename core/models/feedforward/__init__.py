"""Networks without recurrence: a multilayer perceptron and a convolution over image rows."""
