"""Spec-rule coverage of a test suite: how often each typing and execution rule fired.

``RuleCounter`` is a context manager that, while it is open, wraps the reference's rule handlers
from the outside and counts their calls by the rule their docstrings cite
(``refwasm/rules.py``):

* typing rules: the values of ``refwasm.validation.instructions._RULES`` (one per instruction
  class), each call counted as ``valid`` or ``invalid`` (an ``InvalidError`` raised);
* execution rules: the instruction handlers, the ``exec_*`` functions of the modules of
  ``refwasm.execution`` (``handlers()``), reached by two routes: the ``(handler, immediate)``
  pairs ``refwasm.execution.prepare.prepare_instr`` builds, and the ``block``, ``loop``, ``if``
  and ``try_table`` headers ``flatten`` lays out itself (``STRUCTURED``, replaced in their
  modules).  A step counts as ``ok`` when it completes or throws a Wasm exception (``throw``
  succeeds by throwing), as ``trap`` when it raises a ``TrapError``; a trap counts under the
  cited rules with a trap case, a success under those with a success case (``exec_throw_ref``
  cites ``throw_ref-null`` and ``throw_ref-instrs``).  A handler shared by several rules
  (``exec_binop`` runs ``binop`` and ``relop``) is counted under the rule of the instruction it
  was prepared for: the execution rule whose case is the instruction's typing rule case.

An exception's propagation (``exceptions.unwind``) is counted through the steps it is made
of (``PROPAGATION``): leaving labels (``Step_read/throw_ref-label``) and frames (``-frame``),
and trying a handler's catch clauses in order (``-handler-next`` per clause passed over, then
``-handler-catch``/``-catch_ref``/``-catch_all``/``-catch_all_ref`` for the one that accepts
it, or ``-handler-empty`` when none does).  The steps that are the interpreter's loop rather
than a handler (entering and leaving labels and frames, ``Step/ctxt-*``, a trap leaving its
contexts) are not counted.
When the counter is closed, everything is restored; with no counter open nothing is wrapped, so
the interpreter runs exactly the code it runs without the option (no test, no flag in its loop).
Counts cover code prepared while the counter is open (the fresh stores of a ``.wast`` run).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from refwasm import rules
from refwasm.errors import ExceptionError, InvalidError, TrapError
from refwasm.execution import exceptions as eh
from refwasm.execution import instructions as ins
from refwasm.execution import prepare
from refwasm.validation import instructions as vins

Handler = Callable[[Any, Any], None]
# From a handler's rules to those a success and those a trap count under (``outcome_rules``).
Outcomes = Callable[[tuple[str, ...]], tuple[tuple[str, ...], tuple[str, ...]]]

# The structured instructions' headers, which ``flatten`` lays out itself (not through
# ``prepare_instr``), by module and name.
STRUCTURED: tuple[tuple[ModuleType, str], ...] = (
    (ins, "exec_block"),
    (ins, "exec_loop"),
    (ins, "exec_if"),
    (eh, "exec_try_table"),
)


# The steps of an exception's propagation, by module and name (``_wrap_propagation``).
PROPAGATION: tuple[tuple[ModuleType, str], ...] = (
    (eh, "leave_labels"),
    (eh, "leave_frame"),
    (eh, "catch_target"),
)
_HANDLER = "Step_read/throw_ref-handler-"
# A catch clause's rule by (catches any tag, passes the reference).
_CATCH_RULES = {(False, False): _HANDLER + "catch", (False, True): _HANDLER + "catch_ref",
                (True, False): _HANDLER + "catch_all", (True, True): _HANDLER + "catch_all_ref"}


def _spectec(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The SpecTec names ``fn``'s docstring cites."""
    return tuple(rules.parse_citations(fn.__doc__ or "")[0])


def _steps(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The execution rules (``Step``, ``Step_read``, ``Step_pure``) ``fn``'s docstring cites."""
    return tuple(n for n in _spectec(fn) if n.startswith("Step"))


def handlers() -> list[tuple[ModuleType, str, Handler]]:
    """The instruction handlers: each ``exec_*`` function written in a module of
    ``refwasm.execution`` that cites an execution rule, with its module and name."""
    return [
        (module, name.rsplit(".", 1)[-1], fn)
        for module in rules.spec_modules(("refwasm.execution",))
        for name, fn in rules.functions_of(module)
        if name.startswith("exec_") and _steps(fn)
    ]


def _case(name: str) -> str:
    """The instruction a rule is about: ``load`` for ``Instr_ok/load-pack``."""
    return name.split("/", 1)[-1].split("-")[0]


def execution_rules_for(typing_rule: Handler, handler: Handler, instr: object) -> tuple[str, ...]:
    """The execution rules a handler runs for ``instr``: those of its citations whose case is
    the case of ``instr``'s typing rule (all of them when none matches).  A scalar load or store,
    whose handler serves both, is ``-pack`` when it has a packed size, ``-num`` otherwise."""
    cited = _spectec(handler)
    cases = {_case(n) for n in _spectec(typing_rule)}
    chosen = tuple(n for n in cited if _case(n) in cases) or cited
    packed = getattr(instr, "pack", None) or getattr(instr, "sz", None)
    if any(n.endswith("-num") for n in chosen) and any(n.endswith("-pack") for n in chosen):
        suffix = "-pack" if packed else "-num"
        chosen = tuple(n for n in chosen if not n.endswith(("-num", "-pack")) or n.endswith(suffix))
    return chosen


@dataclass
class RuleCounter:
    """Counts of rule firings while open (``with RuleCounter() as counter: ...``)."""

    valid: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)
    ok: Counter[str] = field(default_factory=Counter)
    trap: Counter[str] = field(default_factory=Counter)
    _restore: list[Callable[[], None]] = field(default_factory=list)
    _wrapped: dict[tuple[Handler, tuple[str, ...]], Handler] = field(default_factory=dict)
    _outcomes: Outcomes = field(default=lambda names: (names, names))

    def __enter__(self) -> RuleCounter:
        self._outcomes = outcome_rules()
        self._wrap_typing_rules()
        self._wrap_preparation()
        self._wrap_propagation()
        return self

    def __exit__(self, *exc: object) -> None:
        while self._restore:
            self._restore.pop()()

    # -- Typing rules ---------------------------------------------------------------------------

    def _wrap_typing_rules(self) -> None:
        table = vins._RULES
        saved = dict(table)
        for cls, fn in saved.items():
            table[cls] = self._counted_typing(fn, _spectec(fn))
        self._restore.append(lambda: table.update(saved))

    def _counted_typing(self, fn: Handler, names: tuple[str, ...]) -> Handler:
        valid, invalid = self.valid, self.invalid

        def counted(v: Any, instr: Any) -> None:
            try:
                fn(v, instr)
            except InvalidError:
                invalid.update(names)
                raise
            valid.update(names)

        counted.__doc__ = fn.__doc__  # its rule, for the execution side to match
        return counted

    # -- Execution rules ------------------------------------------------------------------------

    def _wrap_preparation(self) -> None:
        """Count what ``prepare_instr`` prepares under the rule of its instruction, and the
        structured headers under theirs."""
        original = prepare.prepare_instr
        counted_step = self._counted_step

        def prepare_counted(instr: Any, ctx: Any) -> Any:
            handler, imm = original(instr, ctx)
            typing_rule = vins._RULES.get(type(instr), handler)
            return counted_step(handler, execution_rules_for(typing_rule, handler, instr)), imm

        self._replace(prepare, "prepare_instr", prepare_counted)
        for module, name in STRUCTURED:
            handler = getattr(module, name)
            self._replace(module, name, self._counted_step(handler, _steps(handler)))

    def _wrap_propagation(self) -> None:
        """Count the steps of an exception's propagation (``PROPAGATION``) as ``unwind``
        takes them: it looks them up in its module at each call."""
        ok = self.ok
        leave_labels, leave_frame, catch_target = eh.leave_labels, eh.leave_frame, eh.catch_target

        def labels_counted(f: Any, at: int) -> None:
            ok["Step_read/throw_ref-label"] += len(f.labels) - at  # one step per label left
            leave_labels(f, at)

        def frame_counted(m: Any, f: Any) -> None:
            # The frame's labels go first: those left on it, and the function body's, which the
            # spec's frame always holds (``FRAME_n{f} (LABEL_n{} instr*)``) and refwasm's keeps
            # implicit.
            ok["Step_read/throw_ref-label"] += len(f.labels) + 1
            ok["Step_read/throw_ref-frame"] += 1
            leave_frame(m, f)

        def catch_counted(catches: tuple[Any, ...], exn: Any) -> Any:
            target = catch_target(catches, exn)
            passed = len(catches) if target is None else next(
                i for i, c in enumerate(catches) if c is target)
            ok[_HANDLER + "next"] += passed
            if target is None:
                ok[_HANDLER + "empty"] += 1
            else:
                ok[_CATCH_RULES[(target.tag is None, target.ref)]] += 1
            return target

        self._replace(eh, "leave_labels", labels_counted)
        self._replace(eh, "leave_frame", frame_counted)
        self._replace(eh, "catch_target", catch_counted)

    def _replace(self, module: object, name: str, value: object) -> None:
        """Set ``module.name`` to ``value`` until the counter closes."""
        saved = getattr(module, name)
        setattr(module, name, value)
        self._restore.append(lambda: setattr(module, name, saved))

    def _counted_step(self, handler: Handler, names: tuple[str, ...]) -> Handler:
        key = (handler, names)
        if key not in self._wrapped:
            ok, trap = self.ok, self.trap
            succeeded, trapped = self._outcomes(names)

            def step(m: Any, imm: Any) -> None:
                try:
                    handler(m, imm)
                except TrapError:
                    trap.update(trapped)
                    raise
                except ExceptionError:
                    ok.update(succeeded)  # a throw is the rule's result, not a failure
                    raise
                ok.update(succeeded)

            step.__doc__ = handler.__doc__
            self._wrapped[key] = step
        return self._wrapped[key]


@contextmanager
def counting() -> Iterator[RuleCounter]:
    """``with counting() as counter:`` the same as ``with RuleCounter() as counter:``."""
    with RuleCounter() as counter:
        yield counter


# -- The report -------------------------------------------------------------------------------


def trap_rules(spec_root: Path | None = None) -> frozenset[str]:
    """The 3.0 execution rules whose result is a trap (their reduct says ``TRAP``)."""
    root = rules.spec_root() if spec_root is None else spec_root
    text = (root / "wasm-3.0-spectec" / "4.3-execution.instructions.spectec").read_text("utf-8")
    found = set()
    for block in re.split(r"\n(?=rule )", text):
        head = re.match(r"rule\s+([A-Za-z_]\w*/[^\s:]+)\s*:", block)
        if head and re.search(r"~>\s*TRAP\b|TRAP\s*$", block.split("\n\n")[0], re.M):
            found.add(head.group(1))
    return frozenset(found)


def typing_universe() -> list[str]:
    """The typing rules the counter can see fire: the citations of the registered rules."""
    return sorted({n for fn in vins._RULES.values() for n in _spectec(fn)})


def execution_universe() -> list[str]:
    """The execution rules the counter can see fire: the citations of the instruction handlers
    (``handlers()``: those of ``instructions``, ``gc`` and ``exceptions``) and of the steps of
    an exception's propagation (``PROPAGATION``)."""
    steps = [getattr(module, name) for module, name in PROPAGATION]
    return sorted({n for fn in [fn for _, _, fn in handlers()] + steps for n in _steps(fn)})


def branches(name: str, spec: rules.SpecIndex, traps: frozenset[str]) -> tuple[bool, bool]:
    """Whether the execution rule ``name`` has a success case and a trap case (a case whose
    reduct is ``TRAP``)."""
    cases = {s.name for s in spec.resolve(name)}
    return bool(cases - traps), bool(cases & traps)


def outcome_rules() -> Outcomes:
    """A function from a handler's rules to those a success counts under (the rules with a
    success case) and those a trap counts under (with a trap case); all of them where none
    has the case, or without the spec sources."""
    if not (rules.spec_root() / "wasm-3.0-spectec").is_dir():
        return lambda names: (names, names)
    spec, traps = rules.load_spec(), trap_rules()

    def split(names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        cases = [branches(n, spec, traps) for n in names]
        ok = tuple(n for n, (success, _) in zip(names, cases, strict=True) if success)
        trap = tuple(n for n, (_, trapping) in zip(names, cases, strict=True) if trapping)
        return ok or names, trap or names

    return split


def report(counter: RuleCounter, spec: rules.SpecIndex | None = None) -> dict[str, Any]:
    """The JSON report: per rule its counts, then what no assertion exercised.  A rule whose
    spec cases include a trap (``Step_pure/binop-trap``) has a trap branch; the others, a
    success branch."""
    spec = rules.load_spec() if spec is None else spec
    traps = trap_rules()
    typing = {
        n: {"valid": counter.valid[n], "invalid": counter.invalid[n]} for n in typing_universe()
    }
    execution: dict[str, dict[str, int]] = {}
    trap_never, success_never = [], []
    for n in execution_universe():
        has_success, has_trap = branches(n, spec, traps)
        execution[n] = {"ok": counter.ok[n], "trap": counter.trap[n]}
        if has_trap and counter.trap[n] == 0:
            trap_never.append(n)
        if has_success and counter.ok[n] == 0:
            success_never.append(n)
    return {
        "typing": typing,
        "execution": execution,
        "never": {
            "typing": [n for n, c in typing.items() if c["valid"] + c["invalid"] == 0],
            "execution": [n for n, c in execution.items() if c["ok"] + c["trap"] == 0],
            "typing_invalid_branch": [n for n, c in typing.items() if c["invalid"] == 0],
            "execution_trap_branch": trap_never,
            "execution_success_branch": success_never,
        },
    }


def _shade(hits: int, most: int) -> str:
    """A background from white (never) to green (the most hits), on a log scale."""
    if hits == 0:
        return "#f8d7da"
    level = (hits.bit_length()) / max(1, most.bit_length())
    green = int(255 - 120 * level)
    return f"rgb({green},{255},{green})"


def to_html(data: dict[str, Any], title: str = "Spec-rule coverage") -> str:
    """A page with a table per chapter, each rule shaded by its hit count (red: never)."""
    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border:1px solid #ccc}"
        "table{border-collapse:collapse;margin-bottom:2em}</style>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for chapter, columns in (("typing", ("valid", "invalid")), ("execution", ("ok", "trap"))):
        table = data[chapter]
        most = max((sum(c.values()) for c in table.values()), default=0)
        parts.append(f"<h2>{chapter}</h2><table><tr><th>rule</th>")
        parts += [f"<th>{c}</th>" for c in columns] + ["</tr>"]
        for name, counts in table.items():
            shade = _shade(sum(counts.values()), most)
            parts.append(
                f"<tr style='background:{shade}'><td><code>{html.escape(name)}</code></td>"
            )
            parts += [f"<td>{counts[c]}</td>" for c in columns] + ["</tr>"]
        parts.append("</table>")
    return "\n".join(parts) + "\n"


def write(counter: RuleCounter, out: str) -> None:
    """``OUT.json`` (the report) and ``OUT.html`` (its page) for the ``--rule-coverage OUT``
    of ``refwasm wast``."""
    import json

    data = report(counter)
    base = Path(out[: -len(".json")] if out.endswith(".json") else out)
    base.with_name(base.name + ".json").write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    base.with_name(base.name + ".html").write_text(to_html(data), "utf-8")


@contextmanager
def counting_into(out: str | None) -> Iterator[RuleCounter | None]:
    """Count while the block runs and write ``OUT.json``/``OUT.html`` after it, when ``out`` is
    given; otherwise install nothing at all."""
    if out is None:
        yield None
        return
    with RuleCounter() as counter:
        yield counter
    write(counter, out)


# -- docs/suite-coverage.md -------------------------------------------------------------------

_NEVER = (
    ("typing", "Typing rules no module of the suite used"),
    ("typing_invalid_branch", "Typing rules no `assert_invalid` made fail"),
    ("execution", "Execution rules no script executed"),
    ("execution_trap_branch", "Execution rules with a trap case that never trapped"),
    ("execution_success_branch", "Execution rules with a success case that never succeeded"),
)


def suite_markdown(suites: list[tuple[str, dict[str, Any]]]) -> str:
    """The never-exercised rules of each suite's ``--rule-coverage`` report, as a page."""
    out = [
        "| suite | typing rules used | execution rules executed | trap cases never trapped |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, data in suites:
        typing, execution, never = data["typing"], data["execution"], data["never"]
        out.append(
            f"| {name} | {len(typing) - len(never['typing'])} / {len(typing)}"
            f" | {len(execution) - len(never['execution'])} / {len(execution)}"
            f" | {len(never['execution_trap_branch'])} |"
        )
    for name, data in suites:
        out += ["", f"## {name}", ""]
        for key, title in _NEVER:
            names = data["never"][key]
            listed = ", ".join(f"`{n}`" for n in names) if names else "none"
            out += [f"**{title}** ({len(names)}): {listed}", ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import json
    import sys

    pairs = [arg.split("=", 1) for arg in sys.argv[1:]]
    sys.stdout.write(
        suite_markdown([(name, json.loads(Path(path).read_text("utf-8"))) for name, path in pairs])
    )
