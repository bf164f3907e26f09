"""For the scripts: put this checkout's `src` first on the path, and make sure the project's
dependencies can be imported, re-running the script with .venv's Python (`scripts/test` makes
it) when the current one lacks them."""

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def use(script: str, *modules: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError as exc:
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), script, *sys.argv[1:]])
        sys.exit(
            f"{Path(script).name}: {exc.name} is missing: install the project first (`scripts/test` makes"
            f" .venv, or `pip install -e .`), then run scripts/{Path(script).name} with that Python"
        )
