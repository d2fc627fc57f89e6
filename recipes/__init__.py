"""The recipes: one module per classic model.

`kt list` shows them; `from recipes import mnist_conv` imports one.
"""
