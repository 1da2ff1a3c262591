"""Pictures of training with matplotlib (the ``[plot]`` extra, imported only when drawing).

Each function draws one figure, writes it to `path` when given (PNG, or any format
matplotlib knows from the suffix) and returns the matplotlib `Figure`, which Jupyter shows
inline when it is a cell's value. Figures are not left open in pyplot, so a script that
draws many does not pile them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_scalar.nn.train import predictor

if TYPE_CHECKING:
    from autograd_scalar.nn.module import Module
    from autograd_scalar.nn.train import History

DPI = 110  # dots per inch of the files written
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def plot_history(history: History, path: str | Path | None = None, title: str = "training") -> Any:
    """Loss per epoch (and accuracy per epoch, on a second panel, for a classifier)."""
    plt = _pyplot()
    panels = 2 if history.accuracy is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(4.5 * panels, 3.2), squeeze=False)
    epochs = range(1, history.epochs + 1)
    axes[0][0].plot(epochs, history.loss, color=COLOURS[0])
    axes[0][0].set(xlabel="epoch", ylabel="loss", title=f"{title}: loss")
    if history.accuracy is not None:
        axes[0][1].plot(epochs, history.accuracy, color=COLOURS[2])
        axes[0][1].set(xlabel="epoch", ylabel="accuracy", title=f"{title}: accuracy", ylim=(0, 1.02))
    return _finish(plt, fig, path)


def plot_decision_regions(
    model: Module,
    inputs: Sequence[Sequence[float]],
    labels: Sequence[float],
    path: str | Path | None = None,
    resolution: int = 60,
    threshold: float = 0.0,
    title: str = "decision regions",
) -> Any:
    """The class a 2-input classifier gives at every point of the plane, with the data.

    A model with one output is binary: class 1 where output > `threshold` (0 for scores
    and logits; use 0.5 for a sigmoid output). A model with k outputs gives the class of
    the largest. `labels` are class indices, or −1/+1 for a binary model (drawn as 0/1).
    The grid is `resolution` × `resolution` points over the data's range plus a margin.
    """
    if not inputs or any(len(x) != 2 for x in inputs):
        raise ValueError("plot_decision_regions: needs a classifier of 2 inputs and points with 2 coordinates")
    plt = _pyplot()
    xs, ys = [x[0] for x in inputs], [x[1] for x in inputs]
    gx, gy = _axis(xs, resolution), _axis(ys, resolution)
    predict = predictor(model, 2)
    classes = [[_predict(predict([a, b]), threshold) for a in gx] for b in gy]
    signs = all(t in (-1, 0, 1) for t in labels)
    observed = [int(t > 0) if signs else int(t) for t in labels]
    k = max(max(max(row) for row in classes), max(observed)) + 1
    colours = [COLOURS[j % len(COLOURS)] for j in range(k)]
    fig, ax = plt.subplots(figsize=(5, 4.2))
    from matplotlib.colors import ListedColormap

    regions = ListedColormap(colours)  # one flat colour per class: no blended bands between classes
    ax.pcolormesh(gx, gy, classes, cmap=regions, vmin=-0.5, vmax=k - 0.5, shading="nearest", alpha=0.25)
    ax.scatter(xs, ys, c=[colours[j] for j in observed], edgecolors="k", linewidths=0.5, s=18)
    ax.set(title=title, xlim=(gx[0], gx[-1]), ylim=(gy[0], gy[-1]))
    return _finish(plt, fig, path)


def plot_regression(
    model: Module,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[float],
    path: str | Path | None = None,
    resolution: int = 200,
    title: str = "regression",
) -> Any:
    """The data and a 1-input, 1-output model's curve over the data's range."""
    if not inputs or any(len(x) != 1 for x in inputs):
        raise ValueError("plot_regression: needs a model of 1 input and points with 1 coordinate")
    plt = _pyplot()
    xs = [x[0] for x in inputs]
    grid = _axis(xs, resolution, margin=0.0)
    predict = predictor(model, 1)
    curve = [_single(predict([a])) for a in grid]
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.scatter(xs, list(targets), s=14, color=COLOURS[0], label="data")
    ax.plot(grid, curve, color=COLOURS[1], label="model")
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.legend()
    return _finish(plt, fig, path)


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plotting needs matplotlib: pip install 'autograd-scalar[plot]' (or pip install matplotlib)"
        ) from error
    return plt


def _finish(plt: Any, fig: Any, path: str | Path | None) -> Any:
    fig.tight_layout()
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI)
    plt.close(fig)  # out of pyplot's list; the Figure still draws (and shows inline in Jupyter)
    return fig


def _axis(values: list[float], count: int, margin: float = 0.15) -> list[float]:
    if count < 2:
        raise ValueError(f"resolution must be at least 2, got {count}")
    low, high = min(values), max(values)
    pad = (high - low) * margin or 0.5
    low, high = low - pad, high + pad
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def _predict(scores: list[float], threshold: float) -> int:
    if len(scores) > 1:
        return max(range(len(scores)), key=scores.__getitem__)
    return int(scores[0] > threshold)


def _single(outputs: list[float]) -> float:
    if len(outputs) != 1:
        raise ValueError(f"plot_regression: the model has {len(outputs)} outputs, not 1")
    return outputs[0]
