"""Seed 004's shop receipts, the graphs the picture tests draw."""

from autograd_scalar import Value


def apples():
    """Seed 004's shop receipt: 2 apples at 100, tax 1.1; price 220."""
    apple, count, tax = Value(100, "apple"), Value(2, "apple count"), Value(1.1, "tax")
    subtotal = apple * count
    subtotal.label = "apple price"
    price = subtotal * tax
    price.label = "price"
    return price, {v.label: v for v in (apple, count, tax)}


def apples_and_oranges():
    """Seed 004 with 3 oranges at 150 as well: price 715."""
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
    return price, {v.label: v for v in (apple, apple_count, orange, orange_count, tax)}


def receipt(build=apples):
    price, inputs = build()
    price.backward()
    return price, inputs
