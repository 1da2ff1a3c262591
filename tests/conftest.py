import math
import os
import random
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

# "ci" runs more examples; the default keeps a local run quick. Neither has a deadline:
# timing is never asserted in this suite.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


import pytest  # noqa: E402

# The moons training run is built here from public APIs (nn.MLP, nn.hinge, nn.SGD and a
# loop written out below), not taken from the demo, so that the tests using it do not
# depend on the demo's internals. The package is imported inside the fixtures, so that
# collecting a test file that does not use them never depends on it.


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles with Gaussian noise: the upper labelled −1, the lower +1."""
    rng = random.Random(seed)
    half = n // 2
    points, labels = [], []
    for i in range(n):
        upper = i < half
        k, count = (i, half) if upper else (i - half, n - half)
        angle = math.pi * k / (count - 1)
        x, y = (math.cos(angle), math.sin(angle)) if upper else (1 - math.cos(angle), 0.5 - math.sin(angle))
        points.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        labels.append(-1.0 if upper else 1.0)
    return points, labels


@dataclass(frozen=True)
class MoonsRecipe:
    """One training setup: MLP 2-16-16-1 from `seed`, mean hinge + alpha·Σw², full-batch
    SGD for `steps` steps with the learning rate falling linearly from 1.0 towards 0.1."""

    points: list[list[float]]
    labels: list[float]
    sizes: tuple[int, ...] = (16, 16, 1)
    seed: int = 1337
    steps: int = 100
    alpha: float = 1e-4

    def learning_rate(self, step: int) -> float:
        return 1.0 - 0.9 * step / self.steps

    def model(self):  # an nn.MLP
        from autograd_scalar.nn import MLP

        return MLP(2, list(self.sizes), rng=self.seed)


@pytest.fixture(scope="session")
def moons_recipe() -> MoonsRecipe:
    return MoonsRecipe(*make_moons())


@pytest.fixture(scope="session")
def eager_moons_run(moons_recipe):
    """One eager 100-step moons training run (about 15-30 s), shared by the tests that need it.

    (model, history): the trained MLP and, per step, (loss, training accuracy) measured
    before that step's update."""
    from autograd_scalar.nn import SGD, hinge

    recipe = moons_recipe
    model = recipe.model()
    params = model.parameters()
    optimizer = SGD(params, lr=1.0)

    def train_step(lr):
        # A function, so each step's graph is freed on return rather than kept alive while
        # the next one is built (the cyclic collector would walk both, slowing every step).
        scores = [model(p) for p in recipe.points]
        loss = hinge(scores, recipe.labels) + recipe.alpha * sum(w * w for w in params)
        correct = sum((s.data > 0) == (t > 0) for s, t in zip(scores, recipe.labels, strict=True))
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = lr
        optimizer.step()
        return loss.data, correct / len(recipe.labels)

    history = [train_step(recipe.learning_rate(step)) for step in range(recipe.steps)]
    return model, history


@pytest.fixture(scope="module")
def chromium_browser():
    """One headless Chromium (Debian's, by its path) for a module of browser tests; closed even
    when a test fails. Skips where it cannot run, saying how to install what is missing, unless
    AUTOGRAD_SCALAR_REQUIRE_CHROMIUM is set (as `.ci/run` sets it): then it fails."""
    import browser

    reason = browser.unavailable()
    if reason is not None:
        if os.environ.get(browser.REQUIRE):
            pytest.fail(f"{browser.REQUIRE} is set, so the browser tests must run, but {reason}")
        pytest.skip(reason)
    with browser.chromium() as instance:
        yield instance
