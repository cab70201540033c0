from tests.hub.conftest import fake_hub, hub_env  # noqa: F401 - the fake Hub, for converting a Hub repo
