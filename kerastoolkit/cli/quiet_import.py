"""Import TensorFlow without its C++ start-up chatter.

TensorFlow 2.21 prints lines such as "All log messages before absl::InitializeLog() ...", "oneDNN custom
operations are on" and "failed call to cuInit" from C++ straight to file descriptor 2, before any setting
(`TF_CPP_MIN_LOG_LEVEL`, `ABSL_MIN_LOG_LEVEL`) is read. The commands that train import TensorFlow through
here, with descriptor 2 pointed at a temporary file; if the import fails, what was captured is printed.
`kt --debug` skips this and shows everything.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def _native_stderr_captured() -> Iterator[None]:
    """Point descriptor 2 at a temporary file; replay the file only if the body raises."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras and list the devices (which triggers the CUDA probe) with native logs hidden,
    and its later C++ info lines too (TF_CPP_MIN_LOG_LEVEL=2 unless set: warnings and errors still show)."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _native_stderr_captured():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()
