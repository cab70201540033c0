"""Start the Rerank Playground desktop app (``python main.py``)."""

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    # Worker processes are started with "spawn"; in a frozen (PyInstaller) bundle the child runs this same
    # executable, and freeze_support() turns it into the worker instead of a second app.
    multiprocessing.freeze_support()
    sys.exit(main(sys.argv[1:]))
