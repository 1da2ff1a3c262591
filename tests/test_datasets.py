"""autograd_scalar.datasets: determinism, balance, shapes, splits and CSV errors."""

import math
import random
from collections import Counter

import pytest

from autograd_scalar import datasets

CLASSIFIERS = [
    (datasets.moons, 2),
    (datasets.circles, 2),
    (datasets.spirals, 3),
    (datasets.blobs, 3),
    (datasets.xor, 2),
]


@pytest.mark.parametrize(("make", "k"), CLASSIFIERS)
def test_classification_sets_are_deterministic_balanced_and_two_dimensional(make, k):
    inputs, labels = make(101, 0.1, 7)
    assert (inputs, labels) == make(101, 0.1, 7)
    assert (inputs, labels) == make(101, 0.1, random.Random(7))
    assert (inputs, labels) != make(101, 0.1, 8)
    assert len(inputs) == len(labels) == 101 and all(len(x) == 2 for x in inputs)
    counts = Counter(labels)
    assert sorted(counts) == list(range(k))
    assert max(counts.values()) - min(counts.values()) <= 1  # 101 over k classes, as evenly as possible
    assert labels[:20] != sorted(labels[:20])  # shuffled, so mini-batches mix the classes


def test_spirals_take_any_number_of_classes():
    _, labels = datasets.spirals(100, rng=0, classes=5)
    assert Counter(labels) == dict.fromkeys(range(5), 20)


def test_noise_free_points_lie_where_the_definitions_put_them():
    inputs, labels = datasets.circles(40, noise=0.0, rng=0, factor=0.3)
    for (x, y), label in zip(inputs, labels, strict=True):
        assert math.hypot(x, y) == pytest.approx(1.0 if label == 0 else 0.3)
    inputs, labels = datasets.xor(40, noise=0.0, rng=0)
    for (x, y), label in zip(inputs, labels, strict=True):
        assert abs(x) == abs(y) == 1.0 and label == int(x * y < 0)
    inputs, labels = datasets.moons(20, noise=0.0, rng=0)
    for (x, y), label in zip(inputs, labels, strict=True):
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(x - centre[0], y - centre[1]) == pytest.approx(1.0)
    inputs, labels = datasets.blobs(6, noise=0.0, rng=0, centers=[[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5]])
    assert all(x == ([1.0, 2.0, 3.0] if t == 0 else [-1.0, 0.0, 0.5]) for x, t in zip(inputs, labels, strict=True))


def test_linear_is_the_line_without_noise():
    inputs, targets = datasets.linear(30, noise=0.0, rng=3, weights=(2.0, -1.0), bias=0.25)
    for (a, b), t in zip(inputs, targets, strict=True):
        assert -1 <= a <= 1 and -1 <= b <= 1
        assert t == pytest.approx(2 * a - b + 0.25)
    assert datasets.linear(30, rng=3) == datasets.linear(30, rng=3)


def test_as_signs():
    assert datasets.as_signs([0, 1, 1]) == [-1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="0 or 1, got 2"):
        datasets.as_signs([0, 2])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: datasets.moons(0), "n must be a positive int"),
        (lambda: datasets.spirals(2, classes=3), "fewer than the 3 classes"),
        (lambda: datasets.moons(10, noise=-1), "noise must be a number >= 0"),
        (lambda: datasets.circles(10, factor=1.5), "factor"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_rng_is_a_type_error():
    with pytest.raises(TypeError, match="rng must be an int seed"):
        datasets.moons(10, rng="seed")


def test_train_test_split_partitions_and_is_deterministic():
    inputs = [[float(i)] for i in range(20)]
    targets = list(range(20))
    train_x, test_x, train_y, test_y = datasets.train_test_split(inputs, targets, test_size=0.25, rng=1)
    assert len(test_x) == len(test_y) == 5 and len(train_x) == len(train_y) == 15
    assert sorted(train_y + test_y) == targets  # a partition
    assert all(x == [float(t)] for x, t in zip(train_x + test_x, train_y + test_y, strict=True))  # pairs kept
    assert datasets.train_test_split(inputs, targets, test_size=0.25, rng=1)[3] == test_y
    assert len(datasets.train_test_split(inputs, targets, test_size=3)[1]) == 3
    with pytest.raises(ValueError, match="non-empty"):
        datasets.train_test_split(inputs, targets, test_size=0.01)
    with pytest.raises(ValueError, match="20 inputs but 19 targets"):
        datasets.train_test_split(inputs, targets[:-1])


def test_load_csv_reads_numbers_and_picks_the_target(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x1, x2, label\n0.5, -1, 0\n\n2e-1, 3, 2\n")
    assert datasets.load_csv(path, target="label") == ([[0.5, -1.0], [0.2, 3.0]], [0, 2])
    assert datasets.load_csv(path, target=0) == ([[-1.0, 0.0], [3.0, 2.0]], [0.5, 0.2])
    headless = tmp_path / "plain.csv"
    headless.write_text("1,2,3.5\n4,5,6\n")
    inputs, targets = datasets.load_csv(headless, header=False)
    assert inputs == [[1.0, 2.0], [4.0, 5.0]] and targets == [3.5, 6.0]
    assert all(isinstance(t, float) for t in targets)


@pytest.mark.parametrize(
    ("text", "target", "message"),
    [
        ("a,b,y\n1,2,3\n4,5\n", "y", r"data.csv, line 3: expected 3 fields \(a, b, y\), got 2"),
        ("a,b,y\n1,2,3\n4,oops,6\n", "y", r"data.csv, line 3, column 'b': 'oops' is not a number"),
        ("a,b,y\n1,nan,3\n", "y", r"data.csv, line 2, column 'b': 'nan' is not a finite number"),
        ("a,b,y\n1,2,3\n", "label", r"data.csv: no column named 'label'; the columns are a, b, y"),
        ("", "y", r"data.csv: the file is empty"),
        ("a,b,y\n", "y", r"data.csv: no data rows"),
    ],
)
def test_load_csv_errors_name_the_file_the_line_and_the_problem(tmp_path, text, target, message):
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        datasets.load_csv(path, target=target)
