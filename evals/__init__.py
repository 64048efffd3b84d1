"""Offline work over datasets, never imported by the runtime path (agents, knowledge, state).

sgd/            Schema-Guided Dialogue: load, adapt schemas to templates, replay, score
slot_training/  train the learned slot reader on SGD's train split (`opsqkv train slots`)
routing.py      routing accuracy on a labelled message set
Used by `opsqkv eval`, `opsqkv train` and bench/.
"""
