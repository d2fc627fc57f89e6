"""Shared fixtures.

- `KT_CACHE_DIR` points at a fresh session-wide temporary folder for the whole session, module fixtures included
  (autouse), so tests never read or write the user's cache (prepared tensorflow-datasets data, vectors caches...).
- `shared_data_dir`: the real data folder, `$KT_DATA_DIR`; `mnist_prepared`: the same, MNIST prepared for tfds.
- `require_data(path)`: call it before using a real data file. A missing file skips the test, or FAILS it when
  `KT_REQUIRE_DATA=1` (set in CI and on machines that have the data, so a misconfigured folder cannot turn the
  data tests into silent skips).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_DATA_ENV = "KT_REQUIRE_DATA"


def require_data(path: str | os.PathLike) -> Path:
    """`path` if it exists; otherwise skip the test, or fail it when KT_REQUIRE_DATA=1."""
    path = Path(path)
    if not path.exists():
        message = f"data file {path} is missing (set KT_DATA_DIR to the data folder)"
        if os.environ.get(REQUIRE_DATA_ENV) == "1":
            pytest.fail(f"{message}; {REQUIRE_DATA_ENV}=1 requires it")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """$KT_CACHE_DIR for the whole session, set before any module fixture runs (they come before the per-test
    `kt_cache_dir`), so no fixture prepares data in the user's own cache."""
    folder = tmp_path_factory.mktemp("kt_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KT_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def kt_cache_dir(_session_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """$KT_CACHE_DIR for every test: one temporary folder shared by the session (prepared data is reused)."""
    monkeypatch.setenv("KT_CACHE_DIR", str(_session_cache_dir))
    yield _session_cache_dir


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The real data folder, $KT_DATA_DIR (skips, or fails under KT_REQUIRE_DATA=1, when it is not set)."""
    value = os.environ.get("KT_DATA_DIR")
    if not value:
        return require_data(Path("<KT_DATA_DIR is not set>"))
    return require_data(Path(value).expanduser())


@pytest.fixture(scope="session")
def mnist_prepared(shared_data_dir: Path) -> Path:
    """MNIST's records prepared in the session's cache before a test that wants stderr to be one error line (the
    first preparation prints its progress there), whichever tests run first."""
    from kerastoolkit.data.mnist import load_splits

    load_splits("mnist", data_dir=shared_data_dir)
    return shared_data_dir
