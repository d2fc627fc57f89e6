"""`kt tune`: hyperparameter search over a recipe's own Config with keras-tuner.

`space` reads the search space from the command line without TensorFlow; `search` runs the trials through kt's
engine (imports TensorFlow and keras-tuner).
"""
