"""Abstract syntax (spec chapter "Structure"): types, instructions, modules.

Import names from here: ``from refwasm.syntax import Module, FuncType, Binop``.
"""

from refwasm.syntax.instructions import *  # noqa: F403
from refwasm.syntax.modules import *  # noqa: F403
from refwasm.syntax.types import *  # noqa: F403
