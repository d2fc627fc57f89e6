"""Keras layers of the recipes that Keras does not ship: the end-to-end memory network's memory (`memory`), the
small GPT's learned position embeddings (`positions`), and the autoencoders' tied-weights decoder and masking
noise (`tied`)."""
