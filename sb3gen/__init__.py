"""sb3gen: compile a small MNIST network trained with Keras into a Scratch 3 project."""

__version__ = "0.1.0"
