"""Element expressions, as DHIS2 writes them: `#{ONLINE_RETAIL} / #{TOTAL_RETAIL}`.

`#{CODE}` is an element's total, `#{CODE.option}` one disaggregation option, and a trailing
`[-1]` the same figure one period earlier. Only numbers, the four operations and parentheses
are allowed; the text is parsed with Python's `ast` and never executed.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

REFERENCE = re.compile(r"#\{([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_-]+))?\}(\[-1\])?")
_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Reference:
    element: str
    option: str = ""
    offset: int = 0

    @property
    def key(self) -> str:
        suffix = f".{self.option}" if self.option else ""
        return f"{self.element}{suffix}{'[-1]' if self.offset else ''}"


@dataclass(frozen=True)
class Expression:
    text: str
    references: tuple[Reference, ...]
    tree: ast.Expression

    @classmethod
    def parse(cls, text: str) -> Expression:
        references: list[Reference] = []

        def substitute(match: re.Match[str]) -> str:
            reference = Reference(match.group(1), match.group(2) or "", -1 if match.group(3) else 0)
            if reference not in references:
                references.append(reference)
            return f"_ref{references.index(reference)}"

        python = REFERENCE.sub(substitute, text)
        try:
            tree = ast.parse(python, mode="eval")
        except SyntaxError as error:
            raise ExpressionError(f"Cannot parse “{text}”: {error.msg}") from None
        for node in ast.walk(tree):
            allowed = (
                ast.Expression,
                ast.BinOp,
                ast.UnaryOp,
                ast.USub,
                ast.UAdd,
                ast.Load,
                *_OPERATORS,
            )
            if isinstance(node, ast.Constant):
                if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                    raise ExpressionError(f"Only numbers are allowed in “{text}”.")
            elif isinstance(node, ast.Name):
                if not re.fullmatch(r"_ref\d+", node.id):
                    raise ExpressionError(f"Unknown name “{node.id}” in “{text}”.")
            elif not isinstance(node, allowed):
                raise ExpressionError(f"“{text}” may only use + - * / and parentheses.")
        return cls(text=text, references=tuple(references), tree=tree)

    def evaluate(self, values: Mapping[Reference, float | None]) -> float | None:
        """The value, or None when a referenced figure is missing or a division is by zero."""
        resolved = [values.get(reference) for reference in self.references]
        if any(value is None for value in resolved):
            return None
        return _evaluate(self.tree.body, resolved)

    def fold(self, leaf: Callable[[Reference], Any], constant: Callable[[float], Any]) -> Any:
        """Build the expression from other building blocks (e.g. Polars expressions)."""

        def visit(node: ast.AST) -> Any:
            if isinstance(node, ast.BinOp):
                return _OPERATORS[type(node.op)](visit(node.left), visit(node.right))
            if isinstance(node, ast.UnaryOp):
                inner = visit(node.operand)
                return -inner if isinstance(node.op, ast.USub) else inner
            if isinstance(node, ast.Constant):
                return constant(float(node.value))  # type: ignore[arg-type]
            if isinstance(node, ast.Name):
                return leaf(self.references[int(node.id[4:])])
            raise ExpressionError(f"Unexpected node in “{self.text}”.")

        return visit(self.tree.body)


def _evaluate(node: ast.AST, values: list[float | None]) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]
    if isinstance(node, ast.Name):
        return values[int(node.id[4:])]
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values)
        right = _evaluate(node.right, values)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Div) and right == 0:
            return None
        return _OPERATORS[type(node.op)](left, right)
    raise ExpressionError("Unexpected expression node.")
