"""The shop receipt of seed 004: a computational graph you can check by hand.

2 apples at 100 each, 10% consumption tax: price = apple × count × tax = 220.
Backward gives how much the price moves per unit change of each input:
∂price/∂apple = 2.2, ∂price/∂count = 110, ∂price/∂tax = 200.
Adding 3 oranges at 150: (2·100 + 3·150) × 1.1 = 715, with gradients
2.2, 110, 3.3, 165 and 650.
"""

from __future__ import annotations

from autograd_scalar import Value


def apples() -> tuple[Value, dict[str, Value]]:
    """The price of 2 apples with tax, and its named inputs."""
    apple, count, tax = Value(100, "apple"), Value(2, "apple count"), Value(1.1, "tax")
    subtotal = apple * count
    subtotal.label = "apple price"
    price = subtotal * tax
    price.label = "price"
    return price, {v.label: v for v in (apple, count, tax)}


def apples_and_oranges() -> tuple[Value, dict[str, Value]]:
    """The price of 2 apples and 3 oranges with tax, and its named inputs."""
    apple, apple_count = Value(100, "apple"), Value(2, "apple count")
    orange, orange_count = Value(150, "orange"), Value(3, "orange count")
    tax = Value(1.1, "tax")
    apple_price = apple * apple_count
    apple_price.label = "apple price"
    orange_price = orange * orange_count
    orange_price.label = "orange price"
    subtotal = apple_price + orange_price
    subtotal.label = "subtotal"
    price = subtotal * tax
    price.label = "price"
    inputs = (apple, apple_count, orange, orange_count, tax)
    return price, {v.label: v for v in inputs}


def report(title: str, price: Value, inputs: dict[str, Value]) -> str:
    """A small table: the price, then each input with its value and ∂price/∂input."""
    width = max(len(name) for name in inputs)
    lines = [title, f"  price = {price.data:g}", f"  {'input':<{width}}  {'value':>6}  ∂price/∂input"]
    lines += [f"  {name:<{width}}  {v.data:>6g}  {v.grad:g}" for name, v in inputs.items()]
    return "\n".join(lines)


def main() -> None:
    for title, build in (("2 apples, tax 1.1", apples), ("2 apples + 3 oranges, tax 1.1", apples_and_oranges)):
        price, inputs = build()
        price.backward()
        print(report(title, price, inputs))
        print()


if __name__ == "__main__":
    main()
