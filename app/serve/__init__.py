"""``rerank-playground serve``: one loaded model behind rerank HTTP endpoints (Starlette + uvicorn)."""
