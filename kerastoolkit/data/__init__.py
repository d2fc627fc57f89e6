"""Datasets: the data folder, checksummed upstream files, and readers from upstream formats to tf.data."""

from kerastoolkit.data.folder import CACHE_DIR_ENV, DATA_DIR_ENV, RemoteFile, cache_dir, data_dir, fetch

__all__ = ["CACHE_DIR_ENV", "DATA_DIR_ENV", "RemoteFile", "cache_dir", "data_dir", "fetch"]
