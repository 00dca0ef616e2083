"""The keywords of heap and reference types (SpecTec ``6.2-text.types``: ``Tabsheaptype``,
``Treftype_(I)/abbrev``), each with the proposal that brought it.

One table for the parser and the printer, so the two cannot disagree.
"""

from __future__ import annotations

from refwasm.syntax.types import AbsHeapType

# ``Tabsheaptype``: keyword -> (the ``Features`` flag it needs, or None, heap type).
ABS_HEAPTYPES: dict[str, tuple[str | None, AbsHeapType]] = {
    "func": (None, AbsHeapType.FUNC),
    "extern": ("reference_types", AbsHeapType.EXTERN),
    "nofunc": ("function_references", AbsHeapType.NOFUNC),
    "noextern": ("function_references", AbsHeapType.NOEXTERN),
    "any": ("gc", AbsHeapType.ANY),
    "eq": ("gc", AbsHeapType.EQ),
    "i31": ("gc", AbsHeapType.I31),
    "struct": ("gc", AbsHeapType.STRUCT),
    "array": ("gc", AbsHeapType.ARRAY),
    "none": ("gc", AbsHeapType.NONE),
    "exn": ("exceptions", AbsHeapType.EXN),
    "noexn": ("exceptions", AbsHeapType.NOEXN),
}

# The bottom types' shorthands put ``null`` first: ``nullfuncref`` is ``(ref null nofunc)``.
_BOTTOM_SHORTHANDS = {
    AbsHeapType.NONE: "nullref",
    AbsHeapType.NOFUNC: "nullfuncref",
    AbsHeapType.NOEXTERN: "nullexternref",
    AbsHeapType.NOEXN: "nullexnref",
}

SHORTHAND_OF: dict[AbsHeapType, str] = {
    ht: _BOTTOM_SHORTHANDS.get(ht, f"{ht.value}ref") for _, ht in ABS_HEAPTYPES.values()
}
"""``Treftype_(I)/abbrev``: the keyword abbreviating ``(ref null ht)``."""

# keyword -> (flag, heap type) for the shorthands, as for ``ABS_HEAPTYPES``.
REFTYPE_SHORTHANDS: dict[str, tuple[str | None, AbsHeapType]] = {
    SHORTHAND_OF[ht]: (feature, ht) for feature, ht in ABS_HEAPTYPES.values()
}

KEYWORDS = frozenset((*ABS_HEAPTYPES, *REFTYPE_SHORTHANDS))
