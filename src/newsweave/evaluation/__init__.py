"""Evaluation: the measures behind ``newsweave eval …``, computed the same way for everyone."""
