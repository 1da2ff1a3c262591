import os

from hypothesis import HealthCheck, settings

# "ci" runs more examples; the default keeps a local run quick. Neither has a deadline:
# timing is never asserted in this suite.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
