"""How long examples/kerastoolkit_tour.ipynb takes with its own parameters, section by section.

    KT_DATA_DIR=../shared/data python benchmarks/notebook.py [--keep DIR]

Executes the notebook top to bottom in a fresh `python3` Jupyter kernel (this interpreter), as a user would with
its parameters cell unchanged, in a temporary working folder (its run folders land there; --keep DIR keeps them
and the executed notebook in DIR). Prints each section's wall time from the kernel's own timing of every cell,
and the whole execution's wall time, the kernel's start included (the sections' times do not add up to it: the
kernel's start and the time between cells are in no section). Data missing from KT_DATA_DIR is downloaded, as the
notebook itself says (GloVe's zip is 822 MB).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kerastoolkit.scripts import script_main, script_parser

if TYPE_CHECKING:
    from nbformat import NotebookNode

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "kerastoolkit_tour.ipynb"


def cell_seconds(cell: NotebookNode) -> float:
    """A code cell's wall time: from the kernel starting it to its reply (nbclient's `record_timing`)."""
    timing = cell.metadata.get("execution", {})
    started, replied = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (started and replied):
        return 0.0
    return (datetime.fromisoformat(replied.rstrip("Z")) - datetime.fromisoformat(started.rstrip("Z"))).total_seconds()


def section_seconds(cells: list[NotebookNode]) -> list[tuple[str, float]]:
    """(heading, seconds) for every `## ` section of the notebook, its code cells' times summed."""
    sections: list[tuple[str, float]] = [("(before the first section)", 0.0)]
    for cell in cells:
        heading = cell.source.splitlines()[0] if cell.cell_type == "markdown" and cell.source else ""
        if heading.startswith("## "):
            sections.append((heading[3:], 0.0))
        elif cell.cell_type == "code":
            name, seconds = sections[-1]
            sections[-1] = (name, seconds + cell_seconds(cell))
    return [(name, seconds) for name, seconds in sections if seconds > 0]


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument("--keep", type=Path, help="keep the run folders and the executed notebook here")
    args = parser.parse_args()
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from kerastoolkit.errors import KtError

    repo = str(NOTEBOOK.parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))}
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, as in Jupyter
    with tempfile.TemporaryDirectory(prefix="kt-notebook-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = NotebookClient(nb, kernel_name="python3", timeout=1800, resources={"metadata": {"path": str(work)}})
        started = time.perf_counter()
        try:
            client.execute(env=env)
        except CellExecutionError as exc:  # its message is the cell's whole traceback
            raise KtError(f"the notebook stopped in a cell: {exc.ename}: {exc.evalue}") from None
        total = time.perf_counter() - started
        if args.keep:
            nbformat.write(nb, work / NOTEBOOK.name)

    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print("| section | wall time |")
    print("|---|---|")
    for name, seconds in section_seconds(nb.cells):
        print(f"| {name} | {seconds:.0f} s |")
    print(f"| whole notebook, kernel start included | {total:.0f} s |")


if __name__ == "__main__":
    script_main(main)
