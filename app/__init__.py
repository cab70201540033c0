"""Rerank Playground: compare reranker scores across inference runtimes."""

__version__ = "0.1.0"
