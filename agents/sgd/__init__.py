"""Schema-Guided Dialogue evaluation: load SGD, adapt its schemas to ticket templates, replay, score."""
