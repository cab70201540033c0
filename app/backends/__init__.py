"""Inference backends: one file per runtime, one small interface (base.Backend), a lazy registry."""
