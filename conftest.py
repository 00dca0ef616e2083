"""What every test of the project shares, whatever folder it is in (tests/, properties/,
spec-tests/): Hypothesis draws the same examples for a derandomized test in any run.
"""

from __future__ import annotations


def _without_local_constants() -> None:
    """Keep derandomized tests independent of the rest of the code base.

    Hypothesis (6.131 and later) mixes literals it finds in the source of every local module
    imported so far into the values it draws.  A derandomized test's examples then change with
    any constant added anywhere in refwasm (adding the relaxed SIMD opcodes 256-275 changed
    which module ``test_a_failing_module_shrinks_to_a_few_instructions`` shrinks to), and with
    the order in which an xdist worker happened to import modules.  Hypothesis offers no
    setting for it, so its internal hook is emptied here; if that hook moves, nothing is
    patched and the tests run as before.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty


_without_local_constants()
