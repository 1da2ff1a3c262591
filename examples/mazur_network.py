"""Seed 001: the 2-2-2 sigmoid network trained by hand, reproduced with the engine.

Inputs i = (0.05, 0.10), targets (0.01, 0.99), weights w1..w8 = 0.15 … 0.55, one bias per
layer (0.35 hidden, 0.60 output) that is not trained, learning rate 0.5, error
E = Σ ½(target − output)².

The article's figures and what the engine gives:

* forward: outputs 0.75136507 / 0.772928465, E = 0.298371109 — the same;
* after one update the article prints E = 0.291027924; gradient descent gives 0.291027774.
  Rounding is not the cause (the new weights rounded to 9 decimals still give ...774): the
  article updates the output weights *before* it computes the hidden deltas, so the hidden
  deltas see new output weights, and that order gives 0.291027924 exactly;
* after 10,000 updates the article prints E = 0.000035085 with outputs
  0.015912196 / 0.984065734: the same order again.
  True gradient descent — every partial derivative taken at the same point, which is what
  ``backward()`` computes — gives E ≈ 3.5102e-05 with outputs ≈ 0.0159136 / 0.9840643.
  Both variants run below.
"""

from __future__ import annotations

from autograd_scalar import Value
from autograd_scalar.nn import MLP, SGD, squared_error

INPUTS = (0.05, 0.10)
TARGETS = (0.01, 0.99)
WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)  # w1 … w8
HIDDEN_BIAS, OUTPUT_BIAS = 0.35, 0.60
LEARNING_RATE = 0.5


def build() -> MLP:
    """The network with the article's weights. w1, w2 feed h1; w3, w4 feed h2; w5, w6 feed
    o1; w7, w8 feed o2 (parameters are ordered weights-then-bias, neuron by neuron)."""
    net = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")
    w1, w2, w3, w4, w5, w6, w7, w8 = WEIGHTS
    b1, b2 = HIDDEN_BIAS, OUTPUT_BIAS
    net.set_parameters([w1, w2, b1, w3, w4, b1, w5, w6, b2, w7, w8, b2])
    return net


def weights(net: MLP) -> list[Value]:
    """w1 … w8: the trained parameters (the biases are fixed, as in the article)."""
    return [p for name, p in net.named_parameters() if not name.endswith(".b")]


def error(net: MLP) -> tuple[Value, list[Value]]:
    outputs = net(list(INPUTS))
    return squared_error(outputs, list(TARGETS)), outputs  # type: ignore[arg-type]


def train_gradient_descent(net: MLP, steps: int) -> None:
    """Plain gradient descent: backward() takes every partial at the same weights."""
    optimizer = SGD(weights(net), lr=LEARNING_RATE)
    for _ in range(steps):
        optimizer.zero_grad()
        error(net)[0].backward()
        optimizer.step()


def train_article_order(net: MLP, steps: int) -> None:
    """The order that reproduces the article's figures (one step and 10,000): update w5…w8 first,
    then compute the hidden deltas through the *updated* output weights, then w1…w4."""
    hidden, output = net.layers
    for _ in range(steps):
        h = [n([Value(x) for x in INPUTS]).data for n in hidden.neurons]
        o = [n(h).data for n in output.neurons]
        delta_o = [(o[k] - TARGETS[k]) * o[k] * (1 - o[k]) for k in range(2)]
        for k, n in enumerate(output.neurons):
            for j, w in enumerate(n.w):
                w.data -= LEARNING_RATE * delta_o[k] * h[j]
        delta_h = [
            sum(delta_o[k] * output.neurons[k].w[j].data for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)
        ]
        for j, n in enumerate(hidden.neurons):
            for i, w in enumerate(n.w):
                w.data -= LEARNING_RATE * delta_h[j] * INPUTS[i]


def main() -> None:
    net = build()
    e, outputs = error(net)
    print("seed 001: 2-2-2 sigmoid network, E = Σ ½(t − y)²")
    print(f"  forward          outputs {outputs[0].data:.9f} / {outputs[1].data:.9f}   E = {e.data:.9f}")
    e.backward()
    for i, w in enumerate(weights(net), start=1):
        print(f"  ∂E/∂w{i} = {w.grad:+.9f}")
    for title, train in (("gradient descent", train_gradient_descent), ("article's order", train_article_order)):
        net = build()
        train(net, 1)
        print(f"  1 update, {title:<16}  E = {error(net)[0].data:.9f}")
    print("  the article prints 0.291027924: output weights first, then the hidden deltas through them")
    for title, train in (("gradient descent", train_gradient_descent), ("article's order", train_article_order)):
        net = build()
        train(net, 10_000)
        e, outputs = error(net)
        print(f"  10,000 updates, {title:<16} outputs {outputs[0].data:.9f} / {outputs[1].data:.9f}   E = {e.data:.9f}")
    print("  the article prints 0.015912196 / 0.984065734, E = 0.000035085: its update order,")
    print("  not gradient descent (every partial at the same point), which is what backward() gives.")


if __name__ == "__main__":
    main()
