"""`fit`: the training loop, eager or by compiled replay, with a progress bar and a history.

The loss is per sample: ``loss(model(x), target)`` returns one Value, and a batch's loss is
the mean over its samples. Every loss of `autograd_scalar.nn` has that form (`hinge`,
`mse`, `squared_error` take one output and one target as well as lists).

Classification is recognised by the loss: with `hinge` (targets −1/+1, correct when
target·score > 0), `softmax_cross_entropy` (targets class indices, correct when the target's
logit is the largest), `binary_cross_entropy` (probability > 0.5) or
`binary_cross_entropy_with_logits` (logit > 0; targets 0/1 for both), the history also
records accuracy. Any other loss (regression, or your own function) records loss only.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from autograd_scalar import batch as batched
from autograd_scalar import compiler
from autograd_scalar.core.mode import no_grad
from autograd_scalar.core.value import Value
from autograd_scalar.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge,
    mse,
    softmax_cross_entropy,
    squared_error,
)
from autograd_scalar.nn.module import Module, functional_call
from autograd_scalar.nn.optim import Optimizer

Output = Union[Value, list[Value]]
Loss = Callable[[Any, Any], Value]


def _argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


def _numbers(output: Output) -> list[float]:
    return [v.data for v in output] if isinstance(output, list) else [output.data]


# loss → "is this prediction right?", from the model's output numbers and the target
CLASSIFICATION_LOSSES: dict[Callable[..., Value], Callable[[list[float], Any], bool]] = {
    hinge: lambda out, t: out[0] * t > 0,
    softmax_cross_entropy: lambda out, t: _argmax(out) == t,
    binary_cross_entropy: lambda out, t: (out[0] > 0.5) == (t > 0.5),
    binary_cross_entropy_with_logits: lambda out, t: (out[0] > 0.0) == (t > 0.5),
}


@dataclass
class History:
    """What `fit` measured after each epoch, on the whole training set, with the
    parameters as they were at the end of that epoch: `loss` (the mean per-sample loss)
    and, for a classification loss, `accuracy` (a fraction); otherwise `accuracy` is None.
    So ``history.loss[-1]`` is the loss of the model `fit` returns."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = None

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __len__(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(epochs=0)"
        shown = f"History(epochs={self.epochs}, loss={self.loss[-1]:.6g}"
        return shown + (f", accuracy={self.accuracy[-1]:.4g})" if self.accuracy else ")")


def fit(
    model: Module,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[Any],
    loss: Loss,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    compiled: bool = False,
    progress: bool = True,
    shuffle: bool = False,
    rng: random.Random | int | None = 0,
    vectorized: bool | None = None,
) -> History:
    """Train `model` on (inputs, targets) for `epochs` passes; return the `History`.

    Each epoch goes through the data in batches of `batch_size` samples (the whole set
    when None; the last batch may be smaller), in order, or reshuffled every epoch when
    `shuffle` (from `rng`, an int seed or a `random.Random`). For each batch: the mean
    per-sample loss, its gradients, one ``optimizer.step()``.

    With ``compiled=True`` the per-sample loss is traced once by `autograd_scalar.compile`
    as a function of the parameters and the sample (`functional_call`) and replayed as
    straight-line Python: the same parameters as the eager run (to rounding), much faster.
    `vectorized` says how: replaying each batch's samples all at once with NumPy
    (`Compiled.batch`, faster again; True, which needs the ``[fast]`` extra), or one sample
    at a time (False); None, the default, does the first when NumPy is installed. Both
    give the same parameters, to rounding. For `mse` and `squared_error` the target is an
    argument of the compiled function; for any other loss the target is a constant of it,
    so there is one compiled function per
    distinct target value (a few for class labels; for your own loss with real-valued
    targets, one trace per sample in the first epoch).

    `progress` shows a tqdm bar with the latest loss and accuracy: a widget in Jupyter (a
    text bar in the cell without ipywidgets), a text bar in a terminal, and nothing when
    stderr is neither (a log file).
    """
    samples = _check(model, inputs, targets, epochs, batch_size)
    if vectorized is not None and not compiled:
        raise ValueError("fit: vectorized says how compiled replay runs; pass compiled=True with it")
    if vectorized:
        batched.numpy_module()  # an ImportError saying what to install, before any work
    correct = CLASSIFICATION_LOSSES.get(loss)
    history = History(accuracy=[] if correct else None)
    size = batch_size or len(samples)
    order = list(range(len(samples)))
    draw = rng if isinstance(rng, random.Random) else random.Random(rng)
    at_once = compiled and (batched.available() if vectorized is None else vectorized)
    gradients = _compiled_gradients(model, loss, at_once) if compiled else _eager_gradients(model, loss)
    outputs = _outputs_at_once(model, len(samples[0][0])) if at_once else _outputs(model, len(samples[0][0]), compiled)
    bar = _progress_bar(epochs) if progress else None
    try:
        for _ in range(epochs):
            if shuffle:
                draw.shuffle(order)
            for start in range(0, len(order), size):
                gradients([samples[i] for i in order[start : start + size]])
                optimizer.step()
            _evaluate(outputs(samples), samples, loss, correct, history)
            if bar is not None:
                shown = {"loss": f"{history.loss[-1]:.4f}"}
                if history.accuracy is not None:
                    shown["accuracy"] = f"{history.accuracy[-1]:.1%}"
                bar.set_postfix(shown, refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return history


Batch = list[tuple[Sequence[float], Any]]


def _eager_gradients(model: Module, loss: Loss) -> Callable[[Batch], None]:
    def gradients(batch: Batch) -> None:
        total = _mean([loss(model(x), t) for x, t in batch])  # type: ignore[operator]
        model.zero_grad()
        total.backward()

    return gradients


def _compiled_gradients(model: Module, loss: Loss, at_once: bool) -> Callable[[Batch], None]:
    """Per-sample loss compiled with the parameters and the sample as arguments; each
    batch replays it and sets every parameter's grad to the batch mean. `at_once`: over
    all the batch's samples at once (`Compiled.batch`, one call per compiled function),
    else sample by sample: the same numbers, to rounding."""
    params = model.parameters()
    count = len(params)
    replays: dict[Any, compiler.Compiled] = {}

    def replay_for(x: Sequence[float], t: Any) -> tuple[compiler.Compiled, list[float]]:
        width = len(x)
        if loss in TARGET_AS_ARGUMENT:
            ts = [float(v) for v in t] if isinstance(t, (list, tuple)) else [float(t)]
            key: Any = ("argument", width, len(ts), isinstance(t, (list, tuple)))
            if key not in replays:
                form, listed = TARGET_AS_ARGUMENT[loss], key[3]

                def per_sample(*args: Value) -> Value:
                    out = functional_call(model, args[:count], args[count : count + width])
                    given = list(args[count + width :])
                    return form(out, given if listed else given[0])

                replays[key] = compiler.compile(per_sample)
            return replays[key], ts
        key = (width, tuple(t) if isinstance(t, list) else t)
        if key not in replays:

            def per_sample_with(*args: Value, target: Any = t) -> Value:
                return loss(functional_call(model, args[:count], args[count:]), target)

            replays[key] = compiler.compile(per_sample_with)
        return replays[key], []

    def gradients(batch: Batch) -> None:
        weights = [p.data for p in params]
        sums = [0.0] * count
        if at_once:  # the samples of each compiled function as columns, one per argument
            samples: dict[compiler.Compiled, list[list[float]]] = {}
            for x, t in batch:
                replay, extra = replay_for(x, t)
                samples.setdefault(replay, []).append([*x, *extra])
            for replay, rows in samples.items():
                _, per_sample = replay.batch(*weights, *zip(*rows, strict=True))
                sums = [a + b for a, b in zip(sums, per_sample[:count].sum(axis=1).tolist(), strict=True)]
        else:
            for x, t in batch:
                replay, extra = replay_for(x, t)
                _, grads = replay(*weights, *x, *extra)
                for i in range(count):
                    sums[i] += grads[i]
        for p, s in zip(params, sums, strict=True):
            p.grad = s / len(batch)

    return gradients


def _traceable_mse(out: Output, t: Value | list[Value]) -> Value:
    ys, ts = _paired(out, t, "mse")
    return _sum([(ti - y) ** 2 for y, ti in zip(ys, ts, strict=True)]) / len(ys)


def _traceable_squared_error(out: Output, t: Value | list[Value]) -> Value:
    ys, ts = _paired(out, t, "squared_error")
    return _sum([0.5 * (ti - y) ** 2 for y, ti in zip(ys, ts, strict=True)])


def _paired(out: Output, t: Any, name: str) -> tuple[list[Value], list[Any]]:
    """Outputs and targets as lists of one length, either given alone or as a list (a
    one-wide model's output with ``[0.5]`` as its target, say), as the eager losses take them."""
    ys = list(out) if isinstance(out, (list, tuple)) else [out]
    ts = list(t) if isinstance(t, (list, tuple)) else [t]
    if len(ys) != len(ts):
        raise ValueError(f"{name}: {len(ys)} outputs but {len(ts)} targets")
    return ys, ts


# The same arithmetic as `mse` and `squared_error`, with the target a Value (an argument).
TARGET_AS_ARGUMENT: dict[Callable[..., Value], Callable[[Output, Any], Value]] = {
    mse: _traceable_mse,
    squared_error: _traceable_squared_error,
}


def predictor(model: Module, width: int, compiled: bool = True) -> Callable[[Sequence[float]], list[float]]:
    """A function from one input point (`width` numbers) to the model's outputs, as floats.

    Compiled, each output is traced once (`compile`, the parameters read afresh at every
    call, so it follows training) and replayed: many times faster than building Values,
    which is what evaluating a whole data set or a plotting grid needs. Otherwise the model
    runs eagerly under `no_grad`.
    """
    if not compiled:

        def eager(x: Sequence[float]) -> list[float]:
            with no_grad():
                return _numbers(model(x))  # type: ignore[operator]

        return eager
    each = _compiled_outputs(model, width)
    return lambda x: [f(*x)[0] for f in each]


def _compiled_outputs(model: Module, width: int) -> list[compiler.Compiled]:
    """Each of the model's outputs as a compiled function of the input point."""
    with no_grad():
        outputs = model([0.0] * width)  # type: ignore[operator]
    if not isinstance(outputs, list):
        return [compiler.compile(lambda *x: model(list(x)))]  # type: ignore[operator]
    return [compiler.compile(lambda *x, j=j: model(list(x))[j]) for j in range(len(outputs))]  # type: ignore[operator, index]


Outputs = Callable[[Batch], list[list[float]]]


def _outputs(model: Module, width: int, compiled: bool) -> Outputs:
    """The model's outputs at each sample's input, a sample at a time (see `predictor`)."""
    predict = predictor(model, width, compiled)
    return lambda samples: [predict(x) for x, _ in samples]


def _outputs_at_once(model: Module, width: int) -> Outputs:
    """The model's outputs at each sample's input, each output replayed over all the samples
    at once (`Compiled.batch`)."""
    each = _compiled_outputs(model, width)

    def outputs(samples: Batch) -> list[list[float]]:
        columns = list(zip(*[x for x, _ in samples], strict=True))
        return [list(out) for out in zip(*[f.batch(*columns)[0].tolist() for f in each], strict=True)]

    return outputs


def _evaluate(
    outputs: list[list[float]],
    samples: Batch,
    loss: Loss,
    correct: Callable[[list[float], Any], bool] | None,
    history: History,
) -> None:
    total, right = [], 0
    with no_grad():
        for out, (_, t) in zip(outputs, samples, strict=True):
            total.append(loss([Value(v) for v in out] if len(out) > 1 else Value(out[0]), t).data)
            if correct is not None:
                right += correct(out, t)
    history.loss.append(math.fsum(total) / len(samples))
    if history.accuracy is not None:
        history.accuracy.append(right / len(samples))


def _sum(terms: list[Value]) -> Value:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _mean(terms: list[Value]) -> Value:
    return _sum(terms) / len(terms)


def _progress_bar(epochs: int) -> Any:
    """A widget in Jupyter when ipywidgets is there, else a text bar.

    tqdm (imported here: the engine never loads it) stays silent by itself (disable=None)
    when its output is not a terminal, which is right for a log file but wrong in a
    notebook, whose cell output is never a terminal: there the text bar goes to the cell.
    """
    import importlib.util

    options = {"total": epochs, "desc": "fit", "unit": "epoch", "leave": True}
    if not _in_a_notebook():
        from tqdm import tqdm

        return tqdm(disable=None, **options)
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as widget

        return widget(**options)
    from tqdm import tqdm

    return tqdm(file=sys.stdout, **options)


def _in_a_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (a ZMQ shell), without importing IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _check(model: Module, inputs: Sequence, targets: Sequence, epochs: int, batch_size: int | None) -> Batch:
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nn.Module, got {type(model).__name__}")
    if len(inputs) != len(targets):
        raise ValueError(f"fit: {len(inputs)} inputs but {len(targets)} targets")
    if not inputs:
        raise ValueError("fit: no training data")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    return [([float(v) for v in x], t) for x, t in zip(inputs, targets, strict=True)]
