"""The binary format (spec chapter "Binary Format"; SpecTec ``5.*-binary``).

``decode_module(data, features)`` and ``encode_module(module)``.
"""

from refwasm.binary.decode import decode_module
from refwasm.binary.encode import encode_module

__all__ = ["decode_module", "encode_module"]
