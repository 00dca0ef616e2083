"""Validation (spec chapter "Validation"): typing rules for types, instructions and modules.

``validate_module(module, features)`` returns ``None`` for a valid module and raises
``InvalidError`` with the official test suite's message otherwise.
"""

from refwasm.validation import exceptions  # noqa: F401 -- registers the 3.0 exception rules
from refwasm.validation.modules import validate_module

__all__ = ["validate_module"]
