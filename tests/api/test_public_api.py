"""``import refwasm``: the common entry points, typed for ``mypy --strict`` user scripts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import refwasm

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("user_script.py")


def mypy_strict(path: Path) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on one file, from the checkout (so ``refwasm`` is the source tree)."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_user_script_runs() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import user_script
    finally:
        sys.path.remove(str(SCRIPT.parent))
    # -2 stored as an i32 is 0xFFFFFFFE; the host function logged its signed reading.
    assert user_script.main() == [0xFFFF_FFFE, -2]
    assert user_script.js_main() == 1.5
    assert user_script.js_instantiate_main() == [1.5, 2.5]
    with pytest.raises(TypeError):
        refwasm.js_instance({"module": None})


def test_a_user_script_type_checks_without_casts() -> None:
    result = mypy_strict(SCRIPT)
    assert result.returncode == 0, result.stdout


def test_mypy_rejects_a_misuse(tmp_path: Path) -> None:
    """The check can fail: bytes are not text, and a result is a value, not a float."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import refwasm\n"
        "module = refwasm.parse(b'(module)')\n"
        "x: float = refwasm.instantiate(module).invoke('f')[0]\n"
    )
    result = mypy_strict(bad)
    assert result.returncode == 1
    assert result.stdout.count("error:") == 2, result.stdout


def test_every_name_in_all_resolves() -> None:
    for name in refwasm.__all__:
        assert getattr(refwasm, name) is not None
    with pytest.raises(AttributeError):
        _ = refwasm.no_such_entry_point  # type: ignore[attr-defined]


def test_import_refwasm_stays_cheap() -> None:
    code = "import sys, refwasm; print('refwasm.embedding' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_values_are_bit_patterns() -> None:
    assert refwasm.i32(-1) == 0xFFFF_FFFF
    assert refwasm.i64(-1) == 0xFFFF_FFFF_FFFF_FFFF
    assert refwasm.f32(1.0) == 0x3F80_0000
    assert refwasm.f64(-0.0) == 0x8000_0000_0000_0000
    assert refwasm.signed(0xFFFF_FFFE) == -2
    assert refwasm.signed(0x7FFF_FFFF) == 0x7FFF_FFFF
    assert refwasm.to_float(0x3FC0_0000, 32) == 1.5


def test_missing_import_is_unlinkable() -> None:
    module = refwasm.parse('(module (import "env" "f" (func)))')
    with pytest.raises(refwasm.UnlinkableError):
        refwasm.instantiate(module, {"env": {}})


PUBLIC_PACKAGES = (
    "refwasm.api",
    "refwasm.embedding",
    "refwasm.binary",
    "refwasm.text",
    "refwasm.validation",
    "refwasm.jsapi",
    "refwasm.strategies",
)


def test_the_public_api_has_docstrings() -> None:
    """Every public function and class (and public method) of the user-facing packages says
    what it does; a dataclass's generated signature does not count."""
    import importlib
    import inspect

    undocumented = []
    for package in PUBLIC_PACKAGES:
        module = importlib.import_module(package)
        names = getattr(module, "__all__", None) or [n for n in vars(module) if n[0] != "_"]
        for name in names:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not obj.__module__.startswith("refwasm"):
                continue
            doc = obj.__doc__ or ""
            if not doc.strip() or doc.startswith(f"{obj.__name__}("):
                undocumented.append(f"{package}.{name}")
            if inspect.isclass(obj):
                undocumented += [
                    f"{package}.{name}.{member}"
                    for member, fn in vars(obj).items()
                    if member[0] != "_" and inspect.isfunction(fn) and not fn.__doc__
                ]
    assert undocumented == []
