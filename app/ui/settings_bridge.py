"""Defaults for new columns (threads, batch size, device) from the typed settings schema."""


def load_defaults() -> dict:
    return {}
