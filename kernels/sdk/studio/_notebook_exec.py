"""Runs a notebook's code cells in order, like a kernel would: `python -m studio._notebook_exec nb.ipynb`.

Cells run through IPython's InteractiveShell, so `%magics`, `!shell` lines and `display()` work.
A failing cell stops the run: its traceback goes to stderr and the exit code is 1. Hyperparameters
(SM_HPS) are assigned as variables after the cell tagged "parameters" (papermill's convention).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _literal(text: str) -> Any:
    """A hyperparameter (always a string on the wire) as a number / bool / JSON value when it is one."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        lowered = str(text).strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return text


def _parameters_source(hyperparameters: dict[str, str]) -> str:
    lines = ["# Hyperparameters of the job (injected by the studio)"]
    for name, value in hyperparameters.items():
        if name.isidentifier():
            lines.append(f"{name} = {_literal(value)!r}")
    return "\n".join(lines) + "\n"


def _trimmed(error: BaseException):
    """The traceback from the cell's own frames on (IPython's machinery above them is noise)."""
    import IPython

    ipython_dir = str(Path(IPython.__file__).parent)
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(ipython_dir):
        tb = tb.tb_next
    return tb if tb is not None else error.__traceback__


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m studio._notebook_exec NOTEBOOK.ipynb", file=sys.stderr)
        return 2
    path = Path(argv[0])
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    try:
        hyperparameters = json.loads(os.environ.get("SM_HPS") or "{}")
    except ValueError:
        hyperparameters = {}

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.colors = "nocolor"
    except Exception:
        try:
            shell.colors = "NoColor"
        except Exception:
            pass
    # IPython prints tracebacks to stdout with its own layout; this runner prints a plain one to
    # stderr after the cell, where the job's failure reason is read from.
    shell._showtraceback = lambda *args, **kwargs: None
    shell.user_ns["__file__"] = str(path)
    # `!cmd` through a pseudo-terminal (IPython's default) turns every "\n" into "\r\n" in the logs:
    # run it as a plain subprocess writing to this process's stdout / stderr instead.
    shell.system = shell.system_raw

    for index, cell in enumerate(cells, start=1):
        source = _source(cell)
        if not source.strip():
            continue
        result = shell.run_cell(source, store_history=True)
        error = result.error_before_exec or result.error_in_exec
        if isinstance(error, SystemExit):  # sys.exit() in a cell ends the notebook with its code
            sys.stdout.flush()
            code = error.code
            if code is None or isinstance(code, int):
                return code or 0
            print(code, file=sys.stderr)
            return 1
        if error is not None and not result.success:
            sys.stdout.flush()
            print(f"Cell {index} of {len(cells)} failed:", file=sys.stderr)
            if isinstance(error, SyntaxError):
                traceback.print_exception(type(error), error, None, file=sys.stderr)
            else:
                traceback.print_exception(type(error), error, _trimmed(error), file=sys.stderr)
            sys.stderr.flush()
            return 1
        tags = (cell.get("metadata") or {}).get("tags") or []
        if "parameters" in tags and hyperparameters:
            injected = shell.run_cell(_parameters_source(hyperparameters), store_history=False)
            if not injected.success:
                print("Assigning the job's hyperparameters failed", file=sys.stderr)
                return 1
        if getattr(shell, "exit_now", False):  # exit() / quit() in a cell
            break
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit would skip atexit (the SDK flushes its metrics there): exit normally.
    sys.exit(code)
