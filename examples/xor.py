"""An MLP learns XOR (seed 001's code mentions an XOR set with 5 hidden neurons).

XOR is the classic problem a single neuron cannot solve: no line separates (0,1), (1,0)
from (0,0), (1,1). One hidden layer of 5 tanh neurons and a sigmoid output can.
"""

from __future__ import annotations

from autograd_scalar.nn import MLP, SGD, squared_error

DATA = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]


def train(steps: int = 500, seed: int = 1) -> tuple[MLP, float]:
    model = MLP(2, [5, 1], activation="tanh", output_activation="sigmoid", rng=seed)
    optimizer = SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(steps):
        loss = sum(squared_error(model(x), t) for x, t in DATA)  # type: ignore[arg-type]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, loss.data


def main() -> None:
    model, loss = train()
    print(f"XOR: MLP 2-5-1 (tanh, sigmoid output), SGD with momentum; final E = {loss:.2e}")
    print("  x1  x2  target  output")
    correct = 0
    for x, t in DATA:
        y = model(x).data  # type: ignore[union-attr]
        correct += round(y) == t
        print(f"  {x[0]:>2g}  {x[1]:>2g}  {t:>6g}  {y:.4f}")
    print(f"  accuracy {correct / len(DATA):.0%}")


if __name__ == "__main__":
    main()
