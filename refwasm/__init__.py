"""refwasm: an executable, typed Python model of the WebAssembly specification.

The layers follow the spec's chapters and data flows one way:
bytes or text -> decode/parse -> validate -> instantiate -> invoke.
See docs/architecture.md.
"""

__version__ = "0.1.0"
