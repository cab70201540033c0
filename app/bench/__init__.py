"""Speed and memory measurements (``rerank-playground bench``); workers run in their own processes."""
