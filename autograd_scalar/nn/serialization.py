"""Saving and loading models as JSON: the architecture and every parameter, never pickle.

A file names its module class and the constructor arguments that rebuild it, and the
parameters by name (``state_dict`` order), each float written with ``repr`` so that it
reads back to the same bits. Loading only parses JSON and calls the constructors of the
modules `nn` has (Neuron, Layer, MLP) with named activations, so a file cannot run code.

```json
{"format": "autograd-scalar.nn", "version": 1,
 "module": {"class": "MLP", "nin": 2, "nouts": [4, 1], "activation": "relu", "output_activation": "linear"},
 "parameters": {"layers.0.neurons.0.w.0": 0.123, ...}}
```
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Union

from autograd_scalar.nn.module import ACTIVATIONS, MLP, Layer, Module, Neuron

FORMAT = "autograd-scalar.nn"
VERSION = 1
PathLike = Union[str, "os.PathLike[str]"]

# The constructor arguments each class is saved with, and the type each must have.
_FIELDS: dict[str, dict[str, str]] = {
    "Neuron": {"nin": "int", "activation": "activation"},
    "Layer": {"nin": "int", "nout": "int", "activation": "activation"},
    "MLP": {"nin": "int", "nouts": "ints", "activation": "activation", "output_activation": "activation"},
}
_CLASSES: dict[str, type[Module]] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}


class ModelFileError(ValueError):
    """A model file that cannot be loaded; the message names the file and what is wrong."""


def save(module: Module, path: PathLike) -> Path:
    """Write `module` (a Neuron, Layer or MLP with named activations) to `path` as JSON.

    Returns the path. A module of another class, or with an activation given as a function,
    is refused with a `ValueError`: a file rebuilds modules only from names.
    """
    document = {
        "format": FORMAT,
        "version": VERSION,
        "module": architecture(module),
        "parameters": dict(module.state_dict()),
    }
    target = Path(path)
    target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return target


def load(path: PathLike, into: Module | None = None) -> Module:
    """The module saved in `path`, with the same parameters to the last bit.

    With `into`, the file's architecture must be `into`'s; its parameters are loaded into
    it and it is returned. Anything wrong with the file (not JSON, not a model file, another
    version, an unknown class, parameters that do not fit, another architecture than
    `into`'s) is a `ModelFileError` (a `ValueError`) naming the file.
    """
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ModelFileError(f"{name}: not a model file: not UTF-8 text ({error.reason})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{name}: not a model file: not valid JSON ({error})") from None
    except RecursionError:
        raise ModelFileError(f"{name}: not a model file: JSON nested too deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise ModelFileError(
            f'{name}: not an autograd-scalar model file (expected a JSON object whose "format" is '
            f"{FORMAT!r}, found {'format ' + repr(found) if found is not None else 'no format field'})"
        )
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ModelFileError(
            f"{name}: model file version {version!r} is not supported (this autograd-scalar reads version {VERSION})"
        )
    unknown = sorted(set(document) - {"format", "version", "module", "parameters"})
    if unknown:
        raise ModelFileError(f"{name}: unexpected fields {', '.join(map(repr, unknown))}")
    spec = document.get("module")
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise ModelFileError(f'{name}: "parameters" must be an object from parameter names to numbers')
    module = _build(spec, name, len(parameters))
    if into is not None:
        expected = architecture(into)
        if spec != expected:
            raise ModelFileError(
                f"{name}: the file holds a different architecture, {_show(spec)}, than the model it is "
                f"loaded into, {_show(expected)} ({into!r})"
            )
        module = into
    try:
        module.load_state_dict(parameters)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{name}: its parameters do not fit {_show(spec)}: {error}") from None
    return module


def architecture(module: Module) -> dict[str, Any]:
    """The JSON description of `module` that `load` rebuilds it from.

    Raises `ValueError` for a module that a description cannot rebuild: a class other than
    Neuron, Layer and MLP (subclasses included), an activation given as a function, or a
    structure changed after construction.
    """
    kind = type(module)
    if type(module) is Neuron:
        spec: dict[str, Any] = {"class": "Neuron", "nin": len(module.w), "activation": _activation_of([module])}
    elif type(module) is Layer:
        neurons = module.neurons
        spec = {"class": "Layer", "nin": len(neurons[0].w), "nout": len(neurons), "activation": _activation_of(neurons)}
    elif type(module) is MLP:
        layers = module.layers
        hidden = [n for layer in layers[:-1] for n in layer.neurons]
        spec = {
            "class": "MLP",
            "nin": len(layers[0].neurons[0].w),
            "nouts": [len(layer.neurons) for layer in layers],
            "activation": _activation_of(hidden) if hidden else "relu",
            "output_activation": _activation_of(layers[-1].neurons),
        }
    else:
        raise ValueError(
            f"cannot save a {kind.__name__}: a model file rebuilds only the modules nn has "
            f"({', '.join(_CLASSES)}), by class name"
        )
    rebuilt = _construct(spec)
    if list(rebuilt.state_dict()) != list(module.state_dict()):
        raise ValueError(f"cannot save {module!r}: its structure was changed after construction")
    return spec


def _activation_of(neurons: list[Any]) -> str:
    names = {n.activation_name for n in neurons}
    for n in neurons:
        if ACTIVATIONS.get(n.activation_name) is not n.activation:
            raise ValueError(
                f"cannot save a model whose activation is a function of its own ({n.activation_name!r}): a "
                f"model file names its activations, one of {', '.join(ACTIVATIONS)}, so that loading runs no code"
            )
    if len(names) != 1:
        raise ValueError(f"cannot save a layer whose neurons have different activations ({', '.join(sorted(names))})")
    return names.pop()


def _build(spec: object, name: str, count: int) -> Module:
    if not isinstance(spec, dict):
        raise ModelFileError(f'{name}: "module" must be an object describing the model, got {_show(spec)}')
    kind = spec.get("class")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise ModelFileError(f"{name}: unknown module class {kind!r}; a model file holds one of {', '.join(_FIELDS)}")
    fields = _FIELDS[kind]
    missing = [f for f in fields if f not in spec]
    unexpected = [f for f in spec if f != "class" and f not in fields]
    if missing or unexpected:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(unexpected)}"] if unexpected else []
        )
        raise ModelFileError(f"{name}: the {kind} description has {'; '.join(problems)}")
    for field, kind_of in fields.items():
        value = spec[field]
        if kind_of == "int":
            ok = _is_count(value)
        elif kind_of == "ints":
            ok = isinstance(value, list) and bool(value) and all(_is_count(v) for v in value)
        else:
            ok = isinstance(value, str) and value in ACTIVATIONS
        if not ok:
            wanted = {
                "int": "a positive int",
                "ints": "a non-empty list of positive ints",
                "activation": f"one of {', '.join(map(repr, ACTIVATIONS))}",
            }[kind_of]
            raise ModelFileError(f"{name}: {kind} field {field!r} must be {wanted}, got {_show(value)}")
    expected = _parameter_count(spec)
    if expected != count:  # checked before building, so a corrupt size cannot exhaust memory
        raise ModelFileError(f"{name}: {_show(spec)} has {expected} parameters, but the file holds {count}")
    return _construct(spec)


def _parameter_count(spec: dict[str, Any]) -> int:
    kind = spec["class"]
    if kind == "Neuron":
        return int(spec["nin"]) + 1
    if kind == "Layer":
        return (int(spec["nin"]) + 1) * int(spec["nout"])
    sizes = [spec["nin"], *spec["nouts"]]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))


def _construct(spec: dict[str, Any]) -> Module:
    arguments = {k: v for k, v in spec.items() if k != "class"}
    return _CLASSES[spec["class"]](**arguments, rng=0)  # type: ignore[call-arg]


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _show(value: object, limit: int = 200) -> str:
    text = json.dumps(value) if _jsonable(value) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
