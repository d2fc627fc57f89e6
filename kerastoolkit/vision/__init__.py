"""Image recipes' shared pieces: the MNIST conv net, augmentation on tf.data, input whitening, committees.

`vision.config` is light (no TensorFlow): recipes' `Config` classes build on it (see `light_config`).
"""
