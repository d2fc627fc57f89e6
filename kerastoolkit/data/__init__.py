"""Datasets: the data folder, checksummed upstream files, and readers from upstream formats to tf.data."""

from kerastoolkit.data.folder import DATA_DIR_ENV, RemoteFile, data_dir, fetch

__all__ = ["DATA_DIR_ENV", "RemoteFile", "data_dir", "fetch"]
