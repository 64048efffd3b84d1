"""Training the learned slot reader on SGD's train split (`opsqkv train slots`).

examples.py  SGD turns as labelled (slot, status, span) examples
train.py     TrainConfig, train_reader: the top layers trained, selected on dev, saved
replay.py    the reader alone replayed over a split, for model selection
"""

from evals.slot_training.train import TrainConfig, train_reader

__all__ = ["TrainConfig", "train_reader"]
