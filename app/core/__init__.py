"""Qt-free, runtime-free core: types, model families, pair formatting, truncation, metrics.

Nothing in this package imports PySide6 or an inference runtime (enforced by tests/test_layers.py).
"""
