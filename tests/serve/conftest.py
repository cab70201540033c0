"""A served test model shared by the tests of one module."""

from __future__ import annotations

import pytest

from tests.serve.helpers import start_server


@pytest.fixture(scope="module")
def server():
    srv = start_server()
    yield srv
    srv.stop()
