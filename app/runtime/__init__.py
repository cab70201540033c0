"""Jobs and workers (Qt-free): each loaded model lives in its own worker process.

A native crash (llama.cpp abort, segfault) kills only that process; the parent sees the process sentinel fire
and reports which column failed and why, while the app and the other columns keep running.
"""

from app.runtime.model_worker import ModelWorker, WorkerCrashedError, WorkerStalledError
from app.runtime.protocol import ModelInfo

__all__ = ["ModelInfo", "ModelWorker", "WorkerCrashedError", "WorkerStalledError"]
