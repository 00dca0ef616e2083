"""Spec citations: which function implements which rule of the specification.

The citation scheme.  A function that implements a spec rule says so in its docstring, on its
first line when it can, as double-backquoted names separated by `` · `` (or commas)::

    def exec_block(m, imm):
        \"\"\"``Step_read/block`` · ``exec-block``: enter a label of arity ``m`` ...\"\"\"

Two kinds of names are recognised:

* a SpecTec name, from ``../shared/spec/wasm-3.0-spectec/`` (or ``wasm-2.0-spectec`` for a 2.0
  rule that 3.0 reworded):

  - a rule, ``Relation/case`` (``Instr_ok/br_table``, ``Step_pure/binop-val``) or a whole
    relation (``Module_ok``).  A case names its family too: ``Step_pure/binop`` cites
    ``Step_pure/binop-val`` and ``Step_pure/binop-trap``, the rule's success and trap branches;
  - a grammar of the binary or text format (``Binstr/memory``, ``Tplaininstr_(I)/br``, ``Blimits``);
    a grammar name without a case is recognised in ``refwasm/binary`` and ``refwasm/text`` only;
  - a definition, ``$name`` (``$iadd_``, ``$instantiate``), matched with or without its trailing
    underscores (``$iadd`` cites ``$iadd_``);

* a label of the 2.0 prose (``../shared/spec/wasm-2.0-core``), backquoted or not: ``exec-block``,
  ``valid-expr``, ``op-iadd``, ``binary-instr``; for a 3.0 feature 2.0 lacks, a label of the
  3.0 prose (``embed-tag-type``).

``citations()`` reads them from the code (every function and method of the spec packages),
``SpecIndex`` from the spec sources; ``tests/rules/test_citations.py`` checks that every cited
name exists, so citations cannot rot.  ``refwasm rules`` builds ``docs/rules.md`` from both, and
``refwasm rules NAME`` prints one instruction's or rule's part of it (``lookup``).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

_CHECKOUT = Path(__file__).resolve().parents[1]

# The packages whose functions implement spec rules, in the spec's chapter order.
SPEC_PACKAGES = (
    "refwasm.syntax",
    "refwasm.validation",
    "refwasm.numerics",
    "refwasm.execution",
    "refwasm.binary",
    "refwasm.text",
    "refwasm.embedding",
)

# The chapters of the 3.0 SpecTec sources (their file names' first digit) that hold rules.
CHAPTERS = {
    "2": "validation",
    "3": "numerics",
    "4": "execution",
    "5": "binary",
    "6": "text",
}
# The 2.0 SpecTec files, by the chapter their rules belong to.
CHAPTERS_2_0 = {
    "3-numerics": "numerics",
    "6-typing": "validation",
    "8-reduction": "execution",
    "9-module": "execution",
    "A-binary": "binary",
}

_SPECTEC_NAME = re.compile(
    r"^(?:"
    r"[A-Z]\w*(?:\([^)]*\))?/[\w.\-/()]+"  # Relation/case, Grammar/case
    r"|[A-Z][a-z0-9]*_[a-z]+"  # a whole relation: Module_ok, Instr_const
    r"|Steps?"
    r")$"
)
# ``Binstr``, ``Tplaininstr_(I)``, and the parametrised ``BuN(N)``/``TiN(N)`` families.
_GRAMMAR_NAME = re.compile(r"^[BT][a-z][a-z0-9]*N?_?(?:\([^)]*\))?$")
_DEF_NAME = re.compile(r"^\$[A-Za-z_]\w*(?:\([^)]*\))?$")
_LABEL_PREFIXES = "exec|valid|binary|text|op|syntax|alloc|embed|algo|aux|match|grow"
_LABEL = re.compile(rf"^(?:{_LABEL_PREFIXES})-[a-z0-9_.\-]*[a-z0-9_]$")
_BARE_LABEL = re.compile(rf"(?<![\w\-`$/])(?:{_LABEL_PREFIXES})-[a-z0-9_.\-]*[a-z0-9_]")
_BACKQUOTED = re.compile(r"``([^`]+)``")

# SpecTec declarations: ``rule Name/case:``, ``grammar Name(params)/case : ...``, ``def $name``.
_RULE_DECL = re.compile(r"^rule\s+([A-Za-z_]\w*(?:/[^\s:]+)?)\s*:", re.M)
# ``grammar NAME : type =`` or, for the lexical grammars, untyped ``grammar Ttoken =``.
_GRAMMAR_DECL = re.compile(r"^grammar\s+([A-Za-z_]\w*(?:\([^)]*\))?(?:/[^\s:=]+)?)\s*[:=]",
                           re.M)
_DEF_DECL = re.compile(r"^def\s+(\$[A-Za-z_]\w*)", re.M)
_LABEL_DECL = re.compile(r"^\.\. _([a-z0-9_.\-]+):", re.M)


def spec_root() -> Path:
    """The folder holding the spec sources: ``$REFWASM_SPEC`` when set, else
    ``../shared/spec`` beside the checkout or beside the working directory."""
    configured = os.environ.get("REFWASM_SPEC")
    if configured:
        return Path(configured)
    beside_checkout = _CHECKOUT.parent / "shared" / "spec"
    if beside_checkout.is_dir():
        return beside_checkout
    return Path.cwd().parent / "shared" / "spec"


def normalize(name: str) -> str:
    """The comparison key of a SpecTec name: parameter lists dropped (``Tinstr_(I)`` is
    ``Tinstr_``), and a definition's trailing underscores (``$iadd_`` is ``$iadd``)."""
    key = re.sub(r"\([^)]*\)", "", name)
    return key.rstrip("_") if key.startswith("$") else key


@dataclass(frozen=True, slots=True)
class SpecName:
    """One declaration of the SpecTec sources: a rule, a grammar or a definition."""

    name: str
    kind: str  # "rule" | "grammar" | "def"
    chapter: str  # "validation", "numerics", "execution", "binary", "text", or "" (other)
    source: str  # the file, e.g. "4.3-execution.instructions.spectec"


@dataclass(frozen=True, slots=True)
class SpecIndex:
    """Every SpecTec name of 3.0 (``names``) and of 2.0 (``names_2_0``), and the 2.0 labels."""

    names: tuple[SpecName, ...]
    names_2_0: tuple[SpecName, ...]
    labels: frozenset[str]
    labels_3_0: frozenset[str] = frozenset()  # the 3.0 prose's, for what 2.0 lacks (tags)
    # ``resolve``'s answers, by the normalized citation, for 3.0 and for 2.0: computed once.
    _families: tuple[dict[str, list[SpecName]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_families", (_families(self.names), _families(self.names_2_0)))

    def has_label(self, label: str) -> bool:
        """Whether ``label`` is a label of the 2.0 prose, or of the 3.0 prose (a 3.0 feature)."""
        return label in self.labels or label in self.labels_3_0

    def resolve(self, citation: str) -> list[SpecName]:
        """The 3.0 names (else the 2.0 names) a citation denotes: the name itself and, for a
        rule or grammar, its cases (``Step_pure/binop`` denotes ``binop-val`` and
        ``binop-trap``; ``Instr_ok`` every ``Instr_ok/...``)."""
        key = normalize(citation)
        for families in self._families:
            if key in families:
                return list(families[key])
        return []


def _families(names: tuple[SpecName, ...]) -> dict[str, list[SpecName]]:
    """Each citation key that denotes some of ``names``, with those names in order: a name's own
    key, and, for a rule or grammar, its families: the prefixes ending before a ``/``, or before
    a ``-`` after the first ``/`` (``Step_pure/binop`` for ``Step_pure/binop-val``)."""
    found: dict[str, list[SpecName]] = {}
    for n in names:
        key = normalize(n.name)
        cuts = (
            []
            if n.kind == "def"
            else [i for i, c in enumerate(key) if c == "/" or (c == "-" and "/" in key[:i])]
        )
        for prefix in dict.fromkeys([key, *(key[:i] for i in cuts)]):
            found.setdefault(prefix, []).append(n)
    return found


def _chapter_of(file: str, chapters: dict[str, str]) -> str:
    """The chapter a SpecTec file belongs to, by its name's prefix."""
    for prefix, chapter in chapters.items():
        if file.startswith(prefix):
            return chapter
    return ""


def _declarations(folder: Path, chapters: dict[str, str]) -> tuple[SpecName, ...]:
    """The rules, grammars and definitions declared in one SpecTec folder (each name once)."""
    seen: dict[str, SpecName] = {}
    for path in sorted(folder.glob("*.spectec")):
        text = path.read_text(encoding="utf-8")
        chapter = _chapter_of(path.name, chapters)
        for kind, pattern in (("rule", _RULE_DECL), ("grammar", _GRAMMAR_DECL), ("def", _DEF_DECL)):
            for match in pattern.finditer(text):
                name = match.group(1)
                seen.setdefault(name, SpecName(name, kind, chapter, path.name))
    return tuple(seen.values())


def load_spec(root: Path | None = None) -> SpecIndex:
    """Parse the SpecTec sources and the 2.0 prose's labels under ``root`` (``spec_root()``)."""
    root = spec_root() if root is None else root
    return SpecIndex(
        _declarations(root / "wasm-3.0-spectec", CHAPTERS),
        _declarations(root / "wasm-2.0-spectec", CHAPTERS_2_0),
        _labels(root / "wasm-2.0-core"),
        _labels(root / "wasm-3.0-core"),
    )


def _labels(folder: Path) -> frozenset[str]:
    """The labels (``.. _exec-block:``) declared in the prose under ``folder``."""
    labels: set[str] = set()
    for rst in sorted(folder.rglob("*.rst")):
        labels.update(_LABEL_DECL.findall(rst.read_text(encoding="utf-8")))
    return frozenset(labels)


# -- Citations in the code ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Citation:
    """What one function's docstring cites."""

    module: str
    qualname: str
    spectec: tuple[str, ...]
    labels: tuple[str, ...]
    line: int

    @property
    def where(self) -> str:
        """``module:function``, as ``docs/rules.md`` prints it."""
        return f"{self.module}:{self.qualname}"


def parse_citations(doc: str, *, grammars: bool = False) -> tuple[list[str], list[str]]:
    """The SpecTec names and the 2.0 labels a docstring cites, in order, each once.
    ``grammars``: also take a bare grammar name (``Blimits``) as a citation."""
    spectec: list[str] = []
    labels: list[str] = []
    for token in _BACKQUOTED.findall(doc):
        token = token.strip()
        if _LABEL.match(token):
            labels.append(token)
        elif _SPECTEC_NAME.match(token) or _DEF_NAME.match(token):
            spectec.append(token)
        elif grammars and _GRAMMAR_NAME.match(token):
            spectec.append(token)
    labels.extend(m.rstrip(".") for m in _BARE_LABEL.findall(_BACKQUOTED.sub(" ", doc)))
    return list(dict.fromkeys(spectec)), list(dict.fromkeys(labels))


def spec_modules(packages: tuple[str, ...] = SPEC_PACKAGES) -> Iterator[ModuleType]:
    """The modules of ``packages`` (a package's submodules, or a plain module)."""
    for name in packages:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            yield importlib.import_module(f"{name}.{info.name}")


def functions_of(module: ModuleType) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The functions and methods written in ``module``'s source (not imported into it, nor
    generated, like a dataclass's ``__init__``), by qualname."""
    source = getattr(module, "__file__", None)
    for obj in vars(module).values():
        members = vars(obj).values() if inspect.isclass(obj) else [obj]
        for member in members:
            fn = member.__func__ if isinstance(member, staticmethod | classmethod) else member
            if inspect.isfunction(fn) and fn.__code__.co_filename == source:
                yield fn.__qualname__, fn


def citations(packages: tuple[str, ...] = SPEC_PACKAGES) -> list[Citation]:
    """Every function of the spec packages whose docstring cites the spec, in source order."""
    found: list[Citation] = []
    for module in spec_modules(packages):
        grammars = module.__name__.startswith(("refwasm.binary", "refwasm.text"))
        for qualname, fn in functions_of(module):
            spectec, labels = parse_citations(inspect.getdoc(fn) or "", grammars=grammars)
            if spectec or labels:
                line = fn.__code__.co_firstlineno
                found.append(
                    Citation(module.__name__, qualname, tuple(spectec), tuple(labels), line)
                )
    found.sort(key=lambda c: (c.module, c.line))
    return found


# -- The rule coverage of the code (docs/rules.md) ---------------------------------------------

# What counts as a rule of each chapter: its typing or reduction rules, its operators
# (definitions), its grammars; and of execution also the definitions of instantiation.
CHAPTER_KINDS = {
    "validation": ("rule",),
    "numerics": ("def",),
    "execution": ("rule",),
    "binary": ("grammar",),
    "text": ("grammar",),
}
EXECUTION_MODULES_FILE = "4.4-execution.modules.spectec"
TEST_FOLDERS = ("tests", "properties", "spec-tests")


def chapter_rules(spec: SpecIndex, chapter: str) -> list[SpecName]:
    """The 3.0 names counted as the rules of ``chapter``, in the spec's order."""
    kinds = CHAPTER_KINDS[chapter]
    return [
        n
        for n in spec.names
        if n.chapter == chapter
        and (n.kind in kinds or (n.kind == "def" and n.source == EXECUTION_MODULES_FILE))
    ]


def implementers(spec: SpecIndex, cited: list[Citation]) -> dict[str, list[Citation]]:
    """For each 3.0 name, the functions whose citations denote it."""
    found: dict[str, list[Citation]] = {}
    for c in cited:
        for name in c.spectec:
            for n in spec.resolve(name):
                found.setdefault(n.name, [])
                if c not in found[n.name]:
                    found[n.name].append(c)
    return found


_WORD = re.compile(r"[\w$]+(?:\.[\w$]+)*")


@functools.cache
def _test_words(root: Path) -> dict[str, frozenset[str]]:
    """The words of every test file (Python and ``.wast``), by path relative to ``root``: each
    dotted word (``table.fill``) and its parts (read once a process: the files are many)."""
    words: dict[str, frozenset[str]] = {}
    for folder in TEST_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".wast") and path.is_file():
                found = set(_WORD.findall(path.read_text(encoding="utf-8")))
                found |= {part for word in found if "." in word for part in word.split(".")}
                words[path.relative_to(root).as_posix()] = frozenset(found)
    return words


def _keyword(name: str) -> str:
    """What a test mentions when it exercises a rule: the instruction of a typing or reduction
    rule (``table.fill`` for ``Step_read/table.fill-oob``), else the name without decoration."""
    if "/" in name and name.split("/")[0] in ("Instr_ok", "Step", "Step_read", "Step_pure"):
        return name.split("/")[1].split("-")[0]
    return normalize(name).lstrip("$").split("/")[0]


def exercising_tests(
    name: str, implemented_by: list[Citation], test_words: dict[str, frozenset[str]]
) -> list[str]:
    """The test files that name the rule's instruction or one of its implementing functions
    (a static reading: a file that names it, not a measured execution)."""
    words = {_keyword(name)} | {c.qualname.split(".")[-1] for c in implemented_by}
    words = {w for w in words if len(w) > 2}
    return [path for path, found in test_words.items() if words & found]


@dataclass(frozen=True, slots=True)
class ChapterCoverage:
    """How many of a chapter's rules have an implementing function."""

    chapter: str
    rules: tuple[SpecName, ...]
    implemented: tuple[SpecName, ...]

    @property
    def missing(self) -> tuple[SpecName, ...]:
        """The rules no function cites."""
        done = set(self.implemented)
        return tuple(n for n in self.rules if n not in done)


def code_coverage(spec: SpecIndex, cited: list[Citation]) -> list[ChapterCoverage]:
    """The rule coverage of the code, per chapter."""
    by_name = implementers(spec, cited)
    result = []
    for chapter in CHAPTER_KINDS:
        names = chapter_rules(spec, chapter)
        done = tuple(n for n in names if n.name in by_name)
        result.append(ChapterCoverage(chapter, tuple(names), done))
    return result


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def markdown(spec: SpecIndex | None = None, root: Path = _CHECKOUT) -> str:
    """``docs/rules.md``: per chapter, each rule, the functions implementing it and the tests
    that name it; the rule coverage of the code.  Every number is computed here."""
    spec = load_spec() if spec is None else spec
    cited = citations()
    by_name = implementers(spec, cited)
    test_words = _test_words(root)
    coverage = code_coverage(spec, cited)
    out = [
        "# Spec rules and the code that implements them",
        "",
        "Generated by `refwasm rules --markdown > docs/rules.md` from the citations in the",
        "docstrings (`refwasm/rules.py` describes the scheme) and the SpecTec sources of Wasm 3.0;",
        "`tests/rules/test_rules_doc.py` checks that this page is current.  A rule counts as",
        "implemented when a function cites it or its family (`Step_pure/binop` cites",
        "`Step_pure/binop-val` and `Step_pure/binop-trap`).  *Tests* are the test files that",
        "name the rule's instruction or an implementing function (a static reading; for what",
        "the official suites exercise, see `docs/suite-coverage.md`).",
        "",
        f"{len(cited)} functions cite the spec.",
        "",
        "## Rule coverage of the code",
        "",
        "| chapter | what counts as a rule | rules (3.0) | implemented | coverage |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    what = {
        "validation": "typing rules",
        "numerics": "operator definitions",
        "execution": "reduction rules, instantiation definitions",
        "binary": "grammars",
        "text": "grammars",
    }
    for cov in coverage:
        n, k = len(cov.rules), len(cov.implemented)
        out.append(f"| {cov.chapter} | {what[cov.chapter]} | {n} | {k} | {_percent(k, n)} |")
    total = sum(len(c.rules) for c in coverage)
    done = sum(len(c.implemented) for c in coverage)
    out.append(f"| all | | {total} | {done} | {_percent(done, total)} |")
    for cov in coverage:
        out += ["", f"## {cov.chapter.capitalize()}", ""]
        out += ["| rule | spec file | implemented by | tests |", "| --- | --- | --- | --- |"]
        for rule in cov.rules:
            impl = by_name.get(rule.name, [])
            if not impl:
                continue
            where = "<br>".join(f"`{c.where}`" for c in impl)
            tests = exercising_tests(rule.name, impl, test_words)
            shown = ", ".join(f"`{t}`" for t in tests[:3])
            more = f" (+{len(tests) - 3})" if len(tests) > 3 else ""
            out.append(f"| `{rule.name}` | {rule.source} | {where} | {shown}{more} |")
        missing = cov.missing
        out += ["", f"No implementing function ({len(missing)}):", ""]
        out.append(", ".join(f"`{m.name}`" for m in missing) if missing else "none.")
    out += _instructions_section(spec, by_name)
    return "\n".join(out) + "\n"


def _instructions_section(spec: SpecIndex, by_name: dict[str, list[Citation]]) -> list[str]:
    """The ``Instructions`` section: per mnemonic, its rules and the functions citing them."""
    index = instruction_index(spec)
    out = [
        "",
        "## Instructions",
        "",
        f"The {len(index)} mnemonics of the 3.0 text format, each with the grammar cases and",
        "rules of its syntax (read from the grammars: `refwasm.rules.instruction_rules`), the",
        "opcodes of the binary cases that build that syntax, and the functions that cite them.",
        "`refwasm rules MNEMONIC` (or `RULE`) prints one row, with files, lines and tests.",
        "",
        "| instruction | syntax | validation | execution | operator | opcode | binary | text"
        " | implemented by |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i in index:
        cells = [i.validation, i.execution, i.numerics, i.opcodes, i.binary, i.text]
        shown = [", ".join(f"`{r}`" for r in rules) for rules in cells]
        where = dict.fromkeys(c.where for r in i.rules() for c in by_name.get(r, []))
        out.append(
            f"| `{i.mnemonic}` | `{i.term}` | "
            + " | ".join(shown)
            + " | "
            + "<br>".join(f"`{w}`" for w in where)
            + " |"
        )
    return out


# -- Where one instruction's rules are (``Instructions`` in docs/rules.md) ------------------------

# An alternative of an instruction grammar: ``| 0xA8 => CVTOP I32 F32 TRUNC S`` (binary),
# ``| "i32.trunc_f32_s" => CVTOP I32 F32 TRUNC S`` (text); ``=>`` may be on a later line.
_GRAMMAR_BLOCK = re.compile(r"^grammar\s+(\S+?)\s*:[^\n]*\n((?:[ \t]+[^\n]*\n?)*)", re.M)
_MNEMONIC = re.compile(r'^\s*\|?\s*"([a-z][a-z0-9_.]*)"')
# The opcode of a binary alternative: ``| 0xA8 =>``, or a prefix and an index, ``| 0xFC 12:Bu32``.
_OPCODE = re.compile(r"^\s*\|\s*(0x[0-9A-Fa-f]{2})(?:\s+(\d+):Bu32)?")
_INSTR_GRAMMARS = ("Binstr", "Tplaininstr_", "Tblockinstr_")
_NUMERIC_HEADS = ("UNOP", "BINOP", "TESTOP", "RELOP", "CVTOP")
_TYPE_WORDS = frozenset({"I32", "I64", "F32", "F64", "V128", "S", "U"})


@dataclass(frozen=True, slots=True)
class InstructionRules:
    """The spec rules of one instruction (``i32.trunc_f32_s``): the grammar cases that encode it
    in the binary and text formats, its typing and reduction rules, its numeric operator."""

    mnemonic: str
    term: str  # its abstract syntax, as the grammars build it: ``CVTOP I32 F32 TRUNC S``
    binary: tuple[str, ...]
    text: tuple[str, ...]
    validation: tuple[str, ...]
    execution: tuple[str, ...]
    numerics: tuple[str, ...]
    opcodes: tuple[str, ...] = ()  # its binary opcodes: ``0xA8``, ``0xFC 12`` (prefix, index)

    def rules(self) -> tuple[str, ...]:
        """Every rule above, in the spec's chapter order."""
        return self.validation + self.numerics + self.execution + self.binary + self.text


def _term(alternative: str) -> str:
    """The constant words of the syntax an alternative builds (``CVTOP I32 F32 TRUNC S`` from
    ``=> CVTOP I32 F32 TRUNC S``): its upper-case words, up to a premise."""
    built = alternative.split("=>", 1)[1].split("--", 1)[0]
    return " ".join(re.findall(r"(?<![\w$])[A-Z][A-Z0-9_.]*(?![\w(])", built))


def _words(alternative: str) -> tuple[str, ...]:
    """The constant words of an alternative's syntax with its constant numbers (``LOAD I32 `8
    S`` for ``i32.load8_s``): what tells apart the instructions that share a term."""
    built = alternative.split("=>", 1)[1].split("--", 1)[0]
    return tuple(re.findall(r"(?<![\w$])[A-Z][A-Z0-9_.]*(?![\w(])|`\d+", built))


def _alternatives(root: Path) -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
    """``(grammar, first line, term, words)`` for each alternative of the 3.0 instruction
    grammars."""
    for path in sorted((root / "wasm-3.0-spectec").glob("[56].*.spectec")):
        for match in _GRAMMAR_BLOCK.finditer(path.read_text(encoding="utf-8")):
            grammar, body = match.group(1), match.group(2)
            if not grammar.startswith(_INSTR_GRAMMARS) or "/abbrev" in grammar:
                continue
            lines = body.splitlines()
            for i, line in enumerate(lines):
                if not line.lstrip().startswith("|"):
                    continue
                following = []
                for nxt in lines[i + 1 : i + 3]:
                    if nxt.lstrip().startswith("|"):
                        break
                    following.append(nxt)
                rest = " ".join([line, *following])
                if "=>" in rest:
                    yield grammar, line, _term(rest), _words(rest)


def instruction_index(spec: SpecIndex, root: Path | None = None) -> list[InstructionRules]:
    """Every instruction mnemonic of the 3.0 text format and where its rules are, read from the
    grammars: the text case that names the mnemonic, the binary cases that build the same
    syntax, and the typing, reduction and operator rules named after its syntax's head."""
    alternatives = list(_alternatives(spec_root() if root is None else root))
    binary: dict[str, list[str]] = {}
    encodings: list[tuple[str, tuple[str, ...]]] = []
    for grammar, line, term, words in alternatives:
        if grammar.startswith("B") and grammar not in binary.get(term, []):
            binary.setdefault(term, []).append(grammar)
        opcode = _OPCODE.match(line)
        if grammar.startswith("B") and opcode:
            index = f" {opcode.group(2)}" if opcode.group(2) else ""
            encodings.append((opcode.group(1) + index, words))
    found: dict[str, InstructionRules] = {}
    for grammar, line, term, words in alternatives:
        mnemonic = _MNEMONIC.match(line)
        if grammar.startswith("T") and mnemonic and term and mnemonic.group(1) not in found:
            rules = _rules_of(spec, mnemonic.group(1), term, grammar, binary)
            found[mnemonic.group(1)] = replace(rules, opcodes=_opcodes(words, encodings))
    return list(found.values())


def _opcodes(
    words: tuple[str, ...], encodings: list[tuple[str, tuple[str, ...]]]
) -> tuple[str, ...]:
    """The opcodes of the binary alternatives that build the syntax ``words`` (a text
    alternative's): those with the same words, else the same words in another order, else
    those that add words to the same head (``REF.CAST (REF NULL ht)`` for ``REF.CAST rt``)."""
    tests: tuple[Callable[[tuple[str, ...]], bool], ...] = (
        lambda w: w == words,
        lambda w: sorted(w) == sorted(words),
        lambda w: w[:1] == words[:1] and set(words) <= set(w),
    )
    for same in tests:
        found = [opcode for opcode, w in encodings if same(w)]
        if found:
            return tuple(dict.fromkeys(found))
    return ()


def _rules_of(
    spec: SpecIndex, mnemonic: str, term: str, grammar: str, binary: dict[str, list[str]]
) -> InstructionRules:
    """The rules of the instruction ``mnemonic`` whose syntax is ``term``."""
    head, *words = term.split()
    name = head.lower()

    def rules(*relations: str) -> tuple[str, ...]:
        return tuple(n.name for r in relations for n in spec.resolve(f"{r}/{name}"))

    operators: list[str] = []
    if head in _NUMERIC_HEADS:
        prefix = words[0][0].lower() if words else ""
        for word in (w.lower() for w in words if w not in _TYPE_WORDS):
            for candidate in (f"${prefix}{word}", f"${word}"):
                operators += [n.name for n in spec.resolve(candidate) if n.chapter == "numerics"]
    return InstructionRules(
        mnemonic,
        term,
        tuple(binary.get(term, [])),
        (grammar,),
        rules("Instr_ok"),
        rules("Step", "Step_read", "Step_pure"),
        tuple(dict.fromkeys(operators)),
    )


def instruction_rules(mnemonic: str, spec: SpecIndex | None = None) -> InstructionRules | None:
    """Where ``mnemonic``'s rules are (``instruction_rules("i32.trunc_f32_s")``), or ``None``
    for a word that is no instruction of the 3.0 text format."""
    spec = load_spec() if spec is None else spec
    return next((i for i in instruction_index(spec) if i.mnemonic == mnemonic), None)


# -- ``refwasm rules INSTR|RULE``: one instruction's or one rule's row, with files and lines -------


def source_location(c: Citation) -> str:
    """``refwasm/execution/instructions.py:459``: where a citing function is, relative to the
    checkout."""
    file = Path(importlib.import_module(c.module).__file__ or "")
    shown = file.relative_to(_CHECKOUT) if file.is_relative_to(_CHECKOUT) else file
    return f"{shown.as_posix()}:{c.line}"


def _implementations(
    names: tuple[str, ...], by_name: dict[str, list[Citation]], spec: SpecIndex
) -> list[dict[str, str]]:
    """Each of ``names`` with the functions citing it most narrowly, where they are: a function
    citing the rule itself (``Binstr/num-cvt``) rather than one citing its whole family
    (``Binstr``, a decoder of many instructions), the family's when none cites the rule."""
    return [
        {"rule": n, "function": c.where, "at": source_location(c)}
        for n in names
        for c in _narrowest(n, by_name.get(n, []), spec)
    ]


def _narrowest(name: str, cited: list[Citation], spec: SpecIndex) -> list[Citation]:
    """The citations of ``name`` whose cited rule or family covers the fewest rules."""
    def breadth(c: Citation) -> int:
        resolved = [[n.name for n in spec.resolve(cite)] for cite in c.spectec]
        return min((len(found) for found in resolved if name in found), default=len(spec.names))

    if not cited:
        return []
    least = min(breadth(c) for c in cited)
    return [c for c in cited if breadth(c) == least]


def lookup(query: str, spec: SpecIndex, root: Path = _CHECKOUT) -> dict[str, Any] | None:
    """What ``docs/rules.md`` holds for an instruction mnemonic (``i32.trunc_f32_s``), a rule or
    family (``Step_read/call_indirect``), a grammar or an operator (``$iadd``): its rules, opcodes and grammar cases, the functions
    that cite them (with file and line), and the test files naming it; ``None`` for neither."""
    by_name = implementers(spec, citations())
    found = instruction_rules(query, spec)
    if found is not None:
        words = _test_words(root)
        return {
            "instruction": found.mnemonic,
            "syntax": found.term,
            "opcodes": list(found.opcodes),
            "binary": list(found.binary),
            "text": list(found.text),
            "validation": list(found.validation),
            "execution": list(found.execution),
            "numerics": list(found.numerics),
            "implemented_by": _implementations(found.rules(), by_name, spec),
            "tests": [path for path, w in words.items() if found.mnemonic in w],
        }
    cases = spec.resolve(query)
    if not cases:
        return None
    names = tuple(c.name for c in cases)
    words = _test_words(root)
    tests = {t: None for n in names for t in exercising_tests(n, by_name.get(n, []), words)}
    return {
        "rule": query,
        "cases": [{"name": c.name, "kind": c.kind, "source": c.source} for c in cases],
        "instructions": [
            i.mnemonic for i in instruction_index(spec) if set(names) & set(i.rules())
        ],
        "implemented_by": _implementations(names, by_name, spec),
        "tests": list(tests),
    }


def close_names(query: str, spec: SpecIndex, n: int = 5) -> list[str]:
    """The instruction mnemonics and rule names nearest ``query`` (for a misspelt lookup)."""
    import difflib

    known = [i.mnemonic for i in instruction_index(spec)]
    known += [s.name for s in (*spec.names, *spec.names_2_0)]
    families = {name.split("-")[0] for name in known if "/" in name}
    return difflib.get_close_matches(query, sorted(set(known) | families), n=n, cutoff=0.6)


def lookup_text(found: dict[str, Any]) -> str:
    """A lookup as ``refwasm rules NAME`` prints it: one field a line, then the functions and
    the tests."""
    fields = [k for k in found if k not in ("implemented_by", "tests", "cases")]
    lines = []
    for key in fields:
        value = found[key]
        shown = ", ".join(value) if isinstance(value, list) else value
        lines.append(f"{key:<13}{shown or '-'}")
    for case in found.get("cases", []):
        lines.append(f"{'case':<13}{case['name']}  ({case['source']})")
    lines.append("implemented by:")
    lines += [f"  {i['rule']:<34} {i['function']}  {i['at']}" for i in found["implemented_by"]]
    lines.append(f"tests ({len(found['tests'])}):")
    lines += [f"  {t}" for t in found["tests"]]
    return "\n".join(lines) + "\n"
