"""Finds user-facing strings in the code that are not marked for translation.

Run on its own to list them: `python -m tests.i18n_lint [paths…]` (by default Babel's
input paths in pyproject.toml, as `make messages` does). The test suite runs it over the
same paths (tests/test_translations.py) and fails on any.

What counts as user-facing: a string literal that reads as words (two words, or a
capitalised word with punctuation), outside a docstring, a log call, a developer's
exception (ValueError and friends) or a marker call (`_`, `t`, `text`, …). An f-string with
words is always a finding: it cannot be translated, since a translator needs the whole
sentence with named placeholders. A line that really is not for people to read (an SQL
fragment, a CSV header that must stay English) says so with `# untranslated: why`.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MARKERS = {"_", "N_", "t", "tn", "pgettext", "NP_", "text", "notice", "literal"}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
DEVELOPER_ERRORS = {
    "ValueError",
    "RuntimeError",
    "TypeError",
    "KeyError",
    "LookupError",
    "AssertionError",
    "NotImplementedError",
    "ConfigError",
    "_TrialOver",
}
WORDS = re.compile(r"[^\W\d_]{2,}[ ,.;:!?'’][ ]?[^\W\d_]|^[A-Z][a-z]+[.!?:]?$")
# Strings that look like words but never reach a person: SQL, identifiers, patterns.
NOT_PROSE = re.compile(
    r"^(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP)\b|%\(|^[a-z_]+( [a-z_]+)*$|^[a-z]+:"
)


# Files whose sentences are for the person starting Catalyst at a terminal, before any
# community or member exists (settings problems): English, like the command line itself.
OPERATOR_ONLY = {"core/config.py"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: not marked for translation: {self.text[:70]!r}"


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _exempt_nodes(tree: ast.AST) -> set[int]:
    """Ids of nodes whose strings are not for people, or are already marked."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            exempt.add(id(body[0].value))
        if isinstance(node, ast.Call):
            name = _call_name(node)
            is_log = isinstance(node.func, ast.Attribute) and name in LOG_METHODS
            if name in MARKERS or name in DEVELOPER_ERRORS or is_log:
                exempt.update(id(sub) for sub in ast.walk(node))
        if isinstance(node, ast.Subscript):  # mapping["key with words"] is a lookup
            exempt.update(id(sub) for sub in ast.walk(node.slice))
        if isinstance(node, ast.Compare):  # comparing against a value, not saying it
            exempt.update(id(sub) for sub in ast.walk(node))
    return exempt


def _reads_as_words(value: str) -> bool:
    stripped = value.strip()
    return bool(stripped) and not NOT_PROSE.search(stripped) and bool(WORDS.search(stripped))


def findings_in(path: Path, root: Path) -> Iterator[Finding]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    exempt = _exempt_nodes(tree)
    relative = str(path.relative_to(root))
    reported: set[int] = set()
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.JoinedStr):
            parts = "".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            if _reads_as_words(parts):
                exempt.update(id(sub) for sub in ast.walk(node))
                yield from _unless_waived(
                    Finding(relative, node.lineno, parts), lines, node, reported
                )
            continue
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _reads_as_words(node.value)
        ):
            yield from _unless_waived(
                Finding(relative, node.lineno, node.value), lines, node, reported
            )


def _unless_waived(
    finding: Finding, lines: list[str], node: ast.expr, reported: set[int]
) -> Iterator[Finding]:
    first, last = node.lineno, getattr(node, "end_lineno", None) or node.lineno
    window = lines[max(first - 2, 0) : last]
    if any("# untranslated:" in line for line in window):
        return
    reported.add(first)
    yield finding


def findings(paths: list[Path], root: Path) -> list[Finding]:
    found: list[Finding] = []
    for base in paths:
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in files:
            if str(path.relative_to(root)) not in OPERATOR_ONLY:
                found.extend(findings_in(path, root))
    return found


def extracted_paths(root: Path) -> list[str]:
    """What `pybabel extract` reads ([tool.babel.extract_messages] input_paths)."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["babel"]["extract_messages"]["input_paths"])


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    targets = [root / p for p in (argv or extracted_paths(root))]
    found = findings(targets, root)
    for finding in found:
        print(finding)
    print(f"{len(found)} unmarked", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
