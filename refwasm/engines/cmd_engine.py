"""Any engine over a pipe: ``--engine cmd:'COMMAND ARGS'`` starts COMMAND and drives it through
the oracle protocol (docs/oracle.md), the JSON lines ``refwasm oracle`` itself speaks.

An engine written in any language runs the official suite (``refwasm wast``) and is diffed
against refwasm (``refwasm diff --modules``) without a Python adapter: it answers ``hello`` with
``"protocol": 1`` and implements ``validate``, ``instantiate`` (with a list of externs, and
``"imports": "record"``), ``invoke``, ``global``, ``memory`` and ``run_exports``.

The process is not trusted: each reply must come within the time limit (else the process is
killed), must be one JSON object per line, and the process may die at any time.  Each of these
is an ``EngineError`` naming what went wrong (with the end of the process's stderr), never a
hang or a traceback.  Each session is one process (one store) at a time: after one ended, the
next request starts a fresh process, and what the ended one held (its instances, hence the
modules a script registered) is gone: using it is an ``EngineError`` that says why.
"""

from __future__ import annotations

import base64
import itertools
import json
import queue
import shlex
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from refwasm import errors
from refwasm.engines.base import EngineError, Value
from refwasm.features import Features
from refwasm.script.limits import DEFAULT_TIMEOUT, ENGINE_DEFAULT, EngineDefault
from refwasm.syntax.modules import Module

PREFIX = "cmd:"
PROTOCOL = 1
# Seconds a reply may take beyond the time limit the engine itself is given.
GRACE = 10.0
# The spectest names a script may import (refwasm.script.spectest).
SPECTEST_NAMES = frozenset({
    "print", "print_i32", "print_i64", "print_f32", "print_f64", "print_i32_f32",
    "print_f64_f64", "global_i32", "global_i64", "global_f32", "global_f64", "table", "memory",
})
# The outcome kinds of the protocol -> refwasm's errors.
OUTCOMES: dict[str, type[errors.WasmError]] = {
    "malformed": errors.MalformedError, "invalid": errors.InvalidError,
    "unlinkable": errors.UnlinkableError, "trap": errors.TrapError,
    "exhaustion": errors.ExhaustionError,
}


def reply_timeout(timeout: float | None | EngineDefault) -> float | None:
    """The deadline of a reply when the engine is given ``timeout`` seconds per instantiation
    or call (``DEFAULT_TIMEOUT`` when given none): ``GRACE`` more.  ``None`` (``--timeout
    none``) waits for the reply without end, as the reference runs without a time limit: the
    user asked for it."""
    if isinstance(timeout, EngineDefault):
        timeout = DEFAULT_TIMEOUT
    return None if timeout is None else timeout + GRACE


def digest_of(reply: dict[str, Any]) -> tuple[int, str]:
    """A memory's size and SHA-256 from an engine process's reply (``EngineError`` when it
    lacks either)."""
    size, sha256 = reply.get("size"), reply.get("sha256")
    if not isinstance(size, int) or not isinstance(sha256, str):
        raise EngineError(f"memory: a digest without size or sha256: {reply!r:.120}")
    return size, sha256


class PipeProcess:
    """A child process speaking JSON lines, with a deadline on every reply (``None``: none)."""

    def __init__(self, argv: Sequence[str], timeout: float | None) -> None:
        if not argv:
            raise EngineError("cmd: engine: empty command")
        self.argv = list(argv)
        self.timeout = timeout
        self.stderr: IO[bytes] = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)
        except OSError as error:
            raise EngineError(f"cannot start {shlex.join(self.argv)}: {error}") from None
        self.lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.ids = itertools.count(1)
        self.ended: str | None = None  # why refwasm killed it
        weakref.finalize(self, _kill, self.process)

    def _read(self) -> None:
        stdout = self.process.stdout
        if stdout is None:
            return
        for line in stdout:
            self.lines.put(line)
        self.lines.put(b"")

    def request(self, **request: Any) -> dict[str, Any]:
        """Send one request and wait for its reply (``EngineError`` for a dead, silent or
        garbled process: it is killed, and every later request fails the same way)."""
        return self.exchange(request, self.timeout)

    def exchange(self, request: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        """``request`` with a deadline of ``timeout`` seconds for its reply (``None``: wait
        until it comes or the process ends)."""
        stdin = self.process.stdin
        if stdin is None or self.process.poll() is not None:
            raise EngineError(self._gone())
        request["id"] = next(self.ids)
        try:
            stdin.write(json.dumps(request).encode() + b"\n")
            stdin.flush()
        except OSError:
            raise EngineError(self._gone()) from None
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.kill(f"it did not answer {request.get('op')} within {timeout:g} s")
            raise EngineError(f"engine {self.name} did not answer within {timeout:g} s "
                              f"(op {request.get('op')}); killed") from None
        if not line:
            raise EngineError(self._gone())
        return self._reply(line, request)

    def _reply(self, line: bytes, request: dict[str, Any]) -> dict[str, Any]:
        try:
            reply = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self.kill(f"it answered {request.get('op')} with garbage")
            raise EngineError(f"engine {self.name} answered {request.get('op')} with garbage: "
                              f"{line[:120]!r}; killed")
        if reply.get("id", request["id"]) != request["id"]:
            self.kill("it answered out of order")
            raise EngineError(f"engine {self.name} answered out of order; killed")
        return reply

    @property
    def name(self) -> str:
        """The command, as reports name it."""
        return shlex.join(self.argv)

    def _gone(self) -> str:
        if self.ended is not None:
            return f"engine {self.name} is not running: killed because {self.ended}"
        try:  # its stdout closed: give it a moment to exit, for the status
            status: int | None = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            status = None
        self.stderr.seek(0)
        tail = self.stderr.read()[-400:].decode("utf-8", "replace").strip()
        said = f": {tail}" if tail else ""
        return f"engine {self.name} is not running (exit status {status}){said}"

    @property
    def running(self) -> bool:
        """Whether the process has not ended."""
        return self.process.poll() is None

    def kill(self, reason: str) -> None:
        """End the process because it misbehaved; later requests name ``reason``."""
        self.ended = reason
        _kill(self.process)

    def close(self) -> None:
        """End the process."""
        _kill(self.process)


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@dataclass
class CmdModule:
    """A module the engine validated: its bytes and imports, or why it is invalid."""

    data: bytes
    imports: list[tuple[str, str]]
    invalid: errors.WasmError | None = None


@dataclass
class CmdInstance:
    """An instance in the engine, by handle, with its export names and kinds."""

    handle: int
    exports: dict[str, str] = field(default_factory=dict)
    process: int = 0  # the serial of the session's process holding it


@dataclass(frozen=True)
class CmdExtern:
    """An extern as the protocol names it: ``{"spectest": name}`` or an instance's export."""

    instance: int | None
    name: str
    process: int = 0  # the serial of the process holding the instance

    def json(self) -> dict[str, Any]:
        """Its form in ``instantiate``'s ``imports``."""
        if self.instance is None:
            return {"spectest": self.name}
        return {"instance": self.instance, "name": self.name}


def outcome_error(reply: dict[str, Any]) -> errors.WasmError | EngineError:
    """The error a failed reply stands for: a Wasm outcome, or the engine's own error."""
    if not reply.get("ok"):
        return EngineError(f"engine error: {str(reply.get('error'))[:300]}")
    kind = OUTCOMES.get(str(reply.get("outcome")))
    if kind is None:
        return EngineError(f"unknown outcome {reply.get('outcome')!r:.60}")
    return kind(str(reply.get("message", "")))


class CmdSession:
    """One engine process (one store) at a time, restarted after one ended."""

    def __init__(self, argv: Sequence[str], features: Features, *, fuel: int | None = None,
                 timeout: float | None | EngineDefault = ENGINE_DEFAULT) -> None:
        self.argv = list(argv)
        self.features = features
        self.fuel = fuel
        self.timeout = reply_timeout(timeout)
        self.serial = 0  # which of the session's processes is running
        self.lost = ""  # why the previous process ended
        self.engine_name = ""
        self.process = self._start()

    def _start(self) -> PipeProcess:
        """A fresh engine process that greeted in protocol ``PROTOCOL``."""
        process = PipeProcess(self.argv, self.timeout)
        # The features the runner runs under, for an engine that can take them (refwasm's
        # oracle does; an engine that cannot keeps its own and ignores the field).
        hello = process.request(op="hello", features=asdict(self.features))
        if hello.get("protocol") != PROTOCOL:
            process.close()
            raise EngineError(f"engine {process.name} speaks protocol "
                              f"{hello.get('protocol')!r}, not {PROTOCOL}")
        self.engine_name = str(hello.get("engine", process.name))
        self.serial += 1
        return process

    def close(self) -> None:
        """End the engine process."""
        self.process.close()

    def ask(self, **request: Any) -> dict[str, Any]:
        """A successful reply (``EngineError`` for an error reply), from a fresh process if the
        last one ended (killed after a missed deadline or garbage, or crashed)."""
        if not self.process.running:
            self.lost = self.process._gone()
            self.process = self._start()
        reply = self.process.request(**request)
        if not reply.get("ok"):
            raise outcome_error(reply)
        return reply

    def held(self, serial: int, what: str) -> None:
        """``EngineError`` when ``what`` was made by a process that has ended since."""
        if serial != self.serial:
            raise EngineError(f"the {what} is gone with its engine process ({self.lost})")
        if not self.process.running:
            raise EngineError(f"the {what} is gone with its engine process "
                              f"({self.process._gone()})")

    def _limits(self) -> dict[str, Any]:
        return {} if self.fuel is None else {"fuel": self.fuel}

    def load_binary(self, data: bytes) -> CmdModule:
        reply = self.ask(op="validate", module=base64.b64encode(data).decode("ascii"))
        if reply.get("outcome") == "valid":
            raw = reply.get("imports")
            if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
                raise EngineError("validate: imports must be a list of objects")
            return CmdModule(data, [(str(i.get("module")), str(i.get("name"))) for i in raw])
        error = outcome_error(reply)
        if isinstance(error, errors.MalformedError | EngineError):
            raise error
        return CmdModule(data, [], error)

    def load_text(self, text: str) -> CmdModule:
        from refwasm.engines.base import text_to_bytes

        return self.load_binary(text_to_bytes(text, self.features))

    def load_syntax(self, module: Module) -> CmdModule:
        from refwasm.engines.base import syntax_to_bytes

        return self.load_binary(syntax_to_bytes(module))

    def validate(self, module: CmdModule) -> None:
        if module.invalid is not None:
            raise module.invalid

    def imports(self, module: CmdModule) -> Sequence[tuple[str, str]]:
        return module.imports

    def instantiate(self, module: CmdModule, externs: Sequence[CmdExtern]) -> CmdInstance:
        self.validate(module)
        for extern in externs:
            if extern.instance is not None:
                self.held(extern.process, "imported extern")
        reply = self.ask(op="instantiate", module=base64.b64encode(module.data).decode("ascii"),
                         imports=[e.json() for e in externs], **self._limits())
        if reply.get("outcome") != "instantiated":
            raise outcome_error(reply)
        return self._instance(reply)

    def _instance(self, reply: dict[str, Any]) -> CmdInstance:
        handle, exports = reply.get("instance"), reply.get("exports")
        if not isinstance(handle, int) or not isinstance(exports, list):
            raise EngineError("instantiate: the reply lacks instance or exports")
        return CmdInstance(handle, {str(e.get("name")): str(e.get("kind"))
                                    for e in exports if isinstance(e, dict)}, self.serial)

    def export(self, instance: CmdInstance, name: str) -> CmdExtern | None:
        self.held(instance.process, "instance")
        return (CmdExtern(instance.handle, name, instance.process) if name in instance.exports
                else None)

    def spectest(self, name: str) -> CmdExtern | None:
        return CmdExtern(None, name) if name in SPECTEST_NAMES else None

    def invoke(self, instance: CmdInstance, name: str, args: Sequence[Value]) -> list[Value]:
        from refwasm.engines.jsonvalues import value_to_json

        self.held(instance.process, "instance")
        reply = self.ask(op="invoke", instance=instance.handle, name=name,
                         args=[value_to_json(a) for a in args], **self._limits())
        return self.results(reply)

    def results(self, reply: dict[str, Any]) -> list[Value]:
        """The values of a ``return`` outcome (the error of any other)."""
        from refwasm.engines.jsonvalues import WireError, value_from_json

        if reply.get("outcome") != "return":
            raise outcome_error(reply)
        try:
            return [value_from_json(r) for r in reply.get("results", [])]
        except (WireError, TypeError) as error:
            raise EngineError(f"bad results: {error}") from None

    def get(self, instance: CmdInstance, name: str) -> Value:
        from refwasm.engines.jsonvalues import WireError, value_from_json

        self.held(instance.process, "instance")
        reply = self.ask(op="global", instance=instance.handle, name=name)
        try:
            return value_from_json(reply.get("value"))
        except WireError as error:
            raise EngineError(f"bad global value: {error}") from None

    def memory(self, instance: CmdInstance, name: str) -> bytes | None:
        """The bytes of an exported memory (``None`` when ``name`` exports none)."""
        if instance.exports.get(name) != "memory":
            return None
        self.held(instance.process, "instance")
        reply = self.ask(op="memory", instance=instance.handle, name=name)
        try:
            return base64.b64decode(str(reply.get("base64", "")), validate=True)
        except ValueError:
            raise EngineError("memory: bad base64") from None

    def memory_digest(self, instance: CmdInstance, name: str) -> tuple[int, str] | None:
        """The size and SHA-256 of an exported memory, as the engine hashes it (``memory`` with
        ``"hash": true``: a big memory is not sent whole); ``None`` when ``name`` exports
        none."""
        if instance.exports.get(name) != "memory":
            return None
        self.held(instance.process, "instance")
        return digest_of(self.ask(op="memory", instance=instance.handle, name=name, hash=True))

    def run_exports(self, data: bytes) -> dict[str, Any]:
        """The engine's ``run_exports`` reply for a module (``EngineError`` for an error)."""
        return self.ask(op="run_exports", module=base64.b64encode(data).decode("ascii"),
                        **self._limits())


class CmdEngine:
    """A process speaking the oracle protocol, as an ``Engine``; ``fuel`` goes in every request,
    ``timeout`` (plus ``GRACE``; by default ``DEFAULT_TIMEOUT``, ``None``: no limit) bounds
    every reply."""

    def __init__(self, command: str, *, fuel: int | None = None,
                 timeout: float | None | EngineDefault = ENGINE_DEFAULT) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as error:
            raise EngineError(f"cmd: engine: cannot split {command!r}: {error}") from None
        self.name = PREFIX + command
        self.fuel = fuel
        self.timeout = timeout

    def session(self, features: Features) -> CmdSession:
        """A fresh engine process (``EngineError`` when it cannot start or does not greet)."""
        return CmdSession(self.argv, features, fuel=self.fuel, timeout=self.timeout)
