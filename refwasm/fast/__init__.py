"""The fast path: a register-based engine that compiles each Wasm function to Python.

Written by the fast-path issue; ``FastExecutor`` is what ``store_init(engine="fast")`` installs.
"""

from __future__ import annotations

from refwasm.fast.executor import FastExecutor

__all__ = ["FastExecutor"]
