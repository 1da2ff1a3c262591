"""The engine's core, the lowest layer: the node (`Value`), the op table, the backward
pass and the per-thread mode. Standard library only; imports nothing above it."""
