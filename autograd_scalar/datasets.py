"""Small data sets for training and teaching, in pure Python (no numpy).

Every generator takes ``(n, noise, rng)`` and returns ``(inputs, targets)``: `inputs` a
list of n points (each a list of floats), `targets` a list of n labels. Classification sets
give class indices 0..k−1 (ints; `as_signs` turns two classes into the −1/+1 that `hinge`
wants), dealt out as evenly as n allows (class sizes differ by at most one) and shuffled,
so a mini-batch sees every class. `linear` is a regression set with float targets.

`rng` is an int seed or a `random.Random` (whose state the call advances); the same seed
always gives the same data. `None` draws fresh randomness.

This module is a service of the package, beside `compile` and the checks: it needs
nothing from the engine (no Values), only the standard library, so it sits in the
lowest layer that may hold a top-level module and every layer above (nn, the app) may use it.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Union

Rng = Union[random.Random, int, None]
Points = list[list[float]]

__all__ = [
    "as_signs",
    "blobs",
    "circles",
    "linear",
    "load_csv",
    "moons",
    "spirals",
    "train_test_split",
    "xor",
]


def moons(n: int = 100, noise: float = 0.1, rng: Rng = 0) -> tuple[Points, list[int]]:
    """Two interleaving half circles: the upper one class 0, the lower one class 1."""
    draw, sizes = _start("moons", n, noise, rng, 2)
    points: list[tuple[list[float], int]] = []
    for label, count in enumerate(sizes):
        for i in range(count):
            angle = math.pi * i / max(count - 1, 1)
            x, y = (math.cos(angle), math.sin(angle)) if label == 0 else (1 - math.cos(angle), 0.5 - math.sin(angle))
            points.append(([x + draw.gauss(0, noise), y + draw.gauss(0, noise)], label))
    return _shuffled(points, draw)


def circles(n: int = 100, noise: float = 0.05, rng: Rng = 0, factor: float = 0.5) -> tuple[Points, list[int]]:
    """Two concentric circles: the outer (radius 1) class 0, the inner (radius `factor`) class 1."""
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be between 0 and 1, got {factor!r}")
    draw, sizes = _start("circles", n, noise, rng, 2)
    points = []
    for label, (count, radius) in enumerate(zip(sizes, (1.0, factor), strict=True)):
        for i in range(count):
            angle = 2 * math.pi * i / count
            x, y = radius * math.cos(angle), radius * math.sin(angle)
            points.append(([x + draw.gauss(0, noise), y + draw.gauss(0, noise)], label))
    return _shuffled(points, draw)


def spirals(n: int = 150, noise: float = 0.2, rng: Rng = 0, classes: int = 3) -> tuple[Points, list[int]]:
    """`classes` spiral arms from the origin (CS231n's data set): class j is arm j.

    Along an arm the radius goes from 0 to 1 while the angle turns by 4 radians, plus
    Gaussian noise of standard deviation `noise` on the angle.
    """
    draw, sizes = _start("spirals", n, noise, rng, classes)
    points = []
    for label, count in enumerate(sizes):
        for i in range(count):
            r = i / max(count - 1, 1)
            t = 4.0 * label + 4.0 * r + draw.gauss(0, noise)
            points.append(([r * math.sin(t), r * math.cos(t)], label))
    return _shuffled(points, draw)


def blobs(
    n: int = 90, noise: float = 0.5, rng: Rng = 0, centers: int | Sequence[Sequence[float]] = 3
) -> tuple[Points, list[int]]:
    """Gaussian blobs: class j scattered (standard deviation `noise`) about centre j.

    `centers` is a list of points (any dimension), or a number k of 2-D centres spaced
    evenly on the circle of radius 2.
    """
    if isinstance(centers, int):
        _check_positive("blobs: centers", centers)
        centres = [
            [2 * math.cos(2 * math.pi * j / centers), 2 * math.sin(2 * math.pi * j / centers)] for j in range(centers)
        ]
    else:
        centres = [[float(c) for c in centre] for centre in centers]
        if not centres or len({len(c) for c in centres}) != 1 or not centres[0]:
            raise ValueError("blobs: centers must be a number or a non-empty list of points of one dimension")
    draw, sizes = _start("blobs", n, noise, rng, len(centres))
    points = [
        ([c + draw.gauss(0, noise) for c in centre], label)
        for label, (centre, count) in enumerate(zip(centres, sizes, strict=True))
        for _ in range(count)
    ]
    return _shuffled(points, draw)


def xor(n: int = 100, noise: float = 0.2, rng: Rng = 0) -> tuple[Points, list[int]]:
    """Points about the four corners (±1, ±1); class 1 where the signs differ (x·y < 0)."""
    draw, sizes = _start("xor", n, noise, rng, 4)
    corners = ((-1.0, -1.0, 0), (1.0, 1.0, 0), (-1.0, 1.0, 1), (1.0, -1.0, 1))
    points = [
        ([cx + draw.gauss(0, noise), cy + draw.gauss(0, noise)], label)
        for (cx, cy, label), count in zip(corners, sizes, strict=True)
        for _ in range(count)
    ]
    return _shuffled(points, draw)


def linear(
    n: int = 50, noise: float = 0.1, rng: Rng = 0, weights: Sequence[float] = (2.0,), bias: float = -0.5
) -> tuple[Points, list[float]]:
    """Regression: x uniform in [−1, 1]^d (d = len(weights)), y = weights·x + bias + noise."""
    draw, _ = _start("linear", n, noise, rng, 1)
    ws = [float(w) for w in weights]
    if not ws:
        raise ValueError("linear: weights must hold at least one number")
    inputs, targets = [], []
    for _ in range(n):
        x = [draw.uniform(-1.0, 1.0) for _ in ws]
        inputs.append(x)
        targets.append(math.fsum(w * xi for w, xi in zip(ws, x, strict=True)) + bias + draw.gauss(0, noise))
    return inputs, targets


def as_signs(labels: Sequence[int]) -> list[float]:
    """Two-class labels 0/1 as −1.0/+1.0 (what `nn.hinge` expects)."""
    bad = [t for t in labels if t not in (0, 1)]
    if bad:
        raise ValueError(f"as_signs: labels must be 0 or 1, got {bad[0]!r}")
    return [1.0 if t == 1 else -1.0 for t in labels]


def train_test_split(
    inputs: Sequence, targets: Sequence, test_size: float = 0.25, rng: Rng = 0
) -> tuple[list, list, list, list]:
    """Shuffle and split into ``(train_inputs, test_inputs, train_targets, test_targets)``.

    `test_size` is a fraction (0 < f < 1; round(f·n) samples go to the test set) or a
    count. Both parts get at least one sample.
    """
    n = len(inputs)
    if len(targets) != n:
        raise ValueError(f"train_test_split: {n} inputs but {len(targets)} targets")
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a fractional test_size must be between 0 and 1, got {test_size!r}")
        count = round(test_size * n)
    elif isinstance(test_size, int) and not isinstance(test_size, bool):
        count = test_size
    else:
        raise TypeError(f"train_test_split: test_size must be a fraction or a count, got {test_size!r}")
    if not 0 < count < n:
        raise ValueError(
            f"train_test_split: cannot put {count} of {n} samples in the test set and keep both parts non-empty"
        )
    order = list(range(n))
    as_random(rng, "train_test_split").shuffle(order)
    test, train = order[:count], order[count:]
    return (
        [inputs[i] for i in train],
        [inputs[i] for i in test],
        [targets[i] for i in train],
        [targets[i] for i in test],
    )


def load_csv(path: str | Path, target: str | int = -1, header: bool = True) -> tuple[Points, list]:
    """Read a numeric CSV file into ``(inputs, targets)``.

    `target` names the target column (a header name, or an index; the last column by
    default); every other column is an input. All fields must be finite numbers. Targets
    written as integers ("0", "2") become ints (class indices), others floats. Blank lines
    are skipped. A bad row raises ValueError naming the file, the line and the problem.
    """
    path = Path(path)
    with path.open(newline="") as f:
        rows = [(number, row) for number, row in enumerate(csv.reader(f), start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    if header:
        names = [name.strip() for name in rows[0][1]]
        rows = rows[1:]
    else:
        names = [f"column {i}" for i in range(len(rows[0][1]))]
    width = len(names)
    if width < 2:
        raise ValueError(f"{path}: need at least two columns (inputs and a target), found {width}")
    if isinstance(target, str):
        if target not in names:
            raise ValueError(f"{path}: no column named {target!r}; the columns are {', '.join(names)}")
        column = names.index(target)
    elif isinstance(target, int) and not isinstance(target, bool) and -width <= target < width:
        column = target % width
    else:
        raise ValueError(f"{path}: target must be a column name or an index in -{width}..{width - 1}, got {target!r}")
    if not rows:
        raise ValueError(f"{path}: no data rows")
    inputs: Points = []
    raw_targets: list[tuple[float, bool]] = []
    for line, row in rows:
        if len(row) != width:
            raise ValueError(f"{path}, line {line}: expected {width} fields ({', '.join(names)}), got {len(row)}")
        values = []
        for name, cell in zip(names, row, strict=True):
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(f"{path}, line {line}, column {name!r}: {cell.strip()!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"{path}, line {line}, column {name!r}: {cell.strip()!r} is not a finite number")
            values.append(value)
        raw_targets.append((values.pop(column), _is_integer_literal(row[column])))
        inputs.append(values)
    as_ints = all(integral for _, integral in raw_targets)
    return inputs, [int(t) if as_ints else t for t, _ in raw_targets]


def _is_integer_literal(cell: str) -> bool:
    text = cell.strip().lstrip("+-")
    return text.isdigit()


def _start(name: str, n: int, noise: float, rng: Rng, classes: int) -> tuple[random.Random, list[int]]:
    """Check the common arguments; the generator and each class's size."""
    _check_positive(f"{name}: n", n)
    _check_positive(f"{name}: classes", classes)
    if not (isinstance(noise, (int, float)) and not isinstance(noise, bool) and noise >= 0 and math.isfinite(noise)):
        raise ValueError(f"{name}: noise must be a number >= 0, got {noise!r}")
    if n < classes:
        raise ValueError(f"{name}: n = {n} is fewer than the {classes} classes")
    return as_random(rng, name), [n // classes + (j < n % classes) for j in range(classes)]


def as_random(rng: Rng, name: str) -> random.Random:
    """The generator `rng` stands for: itself, or one seeded with it (None: unseeded).
    Never the global `random` state, so a seed always gives the same numbers."""
    if isinstance(rng, random.Random):
        return rng
    if rng is None or (isinstance(rng, int) and not isinstance(rng, bool)):
        return random.Random(rng)
    raise TypeError(f"{name}: rng must be an int seed, a random.Random or None, got {type(rng).__name__}")


def _check_positive(name: str, k: object) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"{name} must be a positive int, got {k!r}")


def _shuffled(points: list[tuple[list[float], int]], draw: random.Random) -> tuple[Points, list[int]]:
    draw.shuffle(points)
    return [p for p, _ in points], [label for _, label in points]
