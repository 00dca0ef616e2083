"""A deliberately wrong engine for testing the differential driver: wasmtime, except that every
i32 result of a call has its lowest bit flipped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from refwasm.engines.base import Value
from refwasm.engines.wasmtime_engine import WasmtimeEngine, WasmtimeSession
from refwasm.features import Features
from refwasm.syntax.types import NumType


class FlippedSession(WasmtimeSession):
    def invoke(self, instance: Any, name: str, args: Sequence[Value]) -> list[Value]:
        return [
            Value(v.type, v.val ^ 1) if v.type is NumType.I32 and isinstance(v.val, int) else v
            for v in super().invoke(instance, name, args)
        ]


class FlippedEngine(WasmtimeEngine):
    name = "flipped"

    def session(self, features: Features) -> FlippedSession:
        return FlippedSession(features)


class CorruptMemorySession(WasmtimeSession):
    """Reports every exported memory with its first byte flipped."""

    def memory(self, instance: Any, name: str) -> bytes | None:
        data = super().memory(instance, name)
        if not data:
            return data
        return bytes([data[0] ^ 1]) + data[1:]


class CorruptMemoryEngine(WasmtimeEngine):
    name = "corrupt-memory"

    def session(self, features: Features) -> CorruptMemorySession:
        return CorruptMemorySession(features)
