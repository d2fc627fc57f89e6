"""Keras layers of the recipes that Keras does not ship (the end-to-end memory network's memory)."""
