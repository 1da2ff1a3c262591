import os

from hypothesis import HealthCheck, settings

# "ci" runs more examples; the default keeps a local run quick. Neither has a deadline:
# timing is never asserted in this suite.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def eager_moons_run():
    """One eager 100-step moons training run (about 15-30 s), shared by the tests that need it."""
    from autograd_scalar import demo

    return demo.train(100)
