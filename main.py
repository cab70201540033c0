"""Start the Rerank Playground desktop app (``python main.py``)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
