"""The learn pages' core: tensors and their shapes, the perceptron fitting y = Wx + b, drawings."""
