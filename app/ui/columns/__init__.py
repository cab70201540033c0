"""Backend columns: one model artifact + backend + device each, with its ranked results."""
