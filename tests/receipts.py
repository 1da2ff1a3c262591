"""Seed 004's shop receipts, the graphs the picture tests draw: 2 apples at 100 with tax
1.1 (price 220), and with 3 oranges at 150 as well (price 715). They are the demo's own
graphs; the tests' expected numbers come from the seed, never from the demo."""

from autograd_scalar.app.demo import apples, apples_and_oranges

__all__ = ["apples", "apples_and_oranges", "receipt"]


def receipt(build=apples):
    price, inputs = build()
    price.backward()
    return price, inputs
