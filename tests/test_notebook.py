"""examples/kerastoolkit_tour.ipynb runs top to bottom in a real Jupyter kernel, on small slices, so it cannot rot.

The kernel is a fresh `python3` one (ipykernel, this interpreter) started in a temporary folder, importing this
checkout's kerastoolkit and recipes. Small sizes are injected as a cell right after the notebook's `parameters`
cell, as papermill does; the notebook in git keeps its own defaults and no outputs.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

import nbformat
from conftest import require_data
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "kerastoolkit_tour.ipynb"
SMALL = {
    "MNIST_TRAIN_LIMIT": 256,
    "MNIST_TEST_LIMIT": 128,
    "VALIDATION_SIZE": 128,
    "EPOCHS": 2,
    "BABI_TRAIN_LIMIT": 200,
    "BABI_TEST_LIMIT": 100,
    "BABI_LINEAR_START_EPOCHS": 1,
    "BABI_EPOCHS": 1,
    "JIT_COMPILE": False,
    "RUNS_DIR": "runs",
}
NEEDS = ["mnist/train-images-idx3-ubyte.gz", "babi/tasks_1-20_v1-2_en_en-10k.tar.gz", "vectors/glove.6B.50d.txt.gz"]
CHECK_KERNEL = "import sys, kerastoolkit, recipes\nprint(sys.executable, kerastoolkit.__file__, recipes.__file__)"


def read_notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def parameters_index(nb: nbformat.NotebookNode) -> int:
    tagged = [i for i, cell in enumerate(nb.cells) if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, "the notebook needs exactly one code cell tagged `parameters`"
    return tagged[0]


def cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.get("id") == cell_id)


def text_of(executed: nbformat.NotebookNode) -> str:
    """What a cell printed to stdout."""
    return "".join(o.text for o in executed.outputs if o.output_type == "stream" and o.name == "stdout")


def shows(executed: nbformat.NotebookNode, mime: str) -> bool:
    """Whether a cell displayed something of type `mime` (an inline plot: image/png)."""
    outputs = [o for o in executed.outputs if o.output_type in ("display_data", "execute_result")]
    return any(mime in o.get("data", {}) for o in outputs)


def test_notebook_is_stored_valid_and_without_outputs():
    nb = read_notebook()
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip the outputs before committing"
    assigned = {
        target.id
        for node in ast.parse(nb.cells[parameters_index(nb)].source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
    }
    assert set(SMALL) <= assigned, f"the parameters cell no longer sets {set(SMALL) - assigned}"


def test_notebook_runs_top_to_bottom(shared_data_dir, kt_cache_dir, tmp_path):
    for name in NEEDS:
        require_data(shared_data_dir / name)
    nb = read_notebook()
    small = "\n".join(f"{name} = {value!r}" for name, value in SMALL.items())
    nb.cells.insert(parameters_index(nb) + 1, nbformat.v4.new_code_cell(small, id="injected-parameters"))
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_KERNEL, id="check-kernel"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "KT_DATA_DIR": str(shared_data_dir),
        "KT_CACHE_DIR": str(kt_cache_dir),
        "IPYTHONDIR": str(tmp_path / "ipython"),  # no profile or startup files of the user's
    }
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend, as in Jupyter (MPLBACKEND=Agg would hide plots)
    work = tmp_path / "work"
    work.mkdir()
    client = NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(work)}})
    client.execute(env=env)  # a cell that raises fails the test with its traceback (CellExecutionError)

    executable, package, recipes = text_of(cell(nb, "check-kernel")).split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(package).is_relative_to(ROOT / "kerastoolkit") and Path(recipes).is_relative_to(ROOT / "recipes")

    table = "".join(o.data["text/markdown"] for o in cell(nb, "recipes-table").outputs)
    assert "| `mnist_conv` | accuracy 99.50% |" in table and "`babi_memn2n`" in table
    assert "refused: learning_rate=-1.0 is too small" in text_of(cell(nb, "refused"))
    assert re.search(r"test accuracy \d+\.\d\d% after 2 epochs", text_of(cell(nb, "fit")))
    for plotted in ("digits", "curves", "confusion", "attention"):  # inline, even after the engine drew its own
        assert shows(cell(nb, plotted), "image/png"), plotted
    assert not any(shows(cell(nb, ran), "image/png") for ran in ("engine", "babi-train")), "kt's plots leaked"

    (conv,) = (work / "runs" / "mnist_conv").iterdir()
    (babi,) = (work / "runs" / "babi_memn2n").iterdir()
    assert (conv / "metrics.json").is_file() and (babi / "metrics.json").is_file()
    assert text_of(cell(nb, "engine")).strip().endswith(f"-> runs/mnist_conv/{conv.name}/")
    assert '"epochs": 2' in text_of(cell(nb, "folder"))

    answer = text_of(cell(nb, "babi-answer")).splitlines()
    assert "question: where is john?" in answer
    verdict = r"answer:   \w+  p=\d\.\d\d  \((right|wrong: the answer is \w+)\)"  # the test story's answer is known
    assert any(re.fullmatch(verdict, line) for line in answer)
    typed = text_of(cell(nb, "babi-typed")).splitlines()
    assert "question: where is mary?" in typed and any(re.fullmatch(r"answer:   \w+  p=\d\.\d\d", t) for t in typed)

    assert text_of(cell(nb, "analogy")).splitlines()[1].split()[0] == "queen"
    assert "toad" in text_of(cell(nb, "similar"))
