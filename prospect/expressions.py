"""Row-wise expressions a spec writes over its columns, evaluated without running Python.

A spec's eligibility rules and derived columns are text such as ``age >= min_age`` or
``debt_ratio * monthly_income``. They are parsed with :mod:`ast` and only a small grammar is
walked: column and parameter names, numbers, strings and booleans, arithmetic, comparisons,
``and``/``or``/``not`` (element-wise), ``in [..]`` and the functions in :data:`FUNCTIONS`.
Attribute access, subscripts, lambdas, imports, any other call, powers and arithmetic on text
are refused when the spec is loaded, so a spec can neither execute code nor build a huge value
from constants. A comparison with a missing value is False.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from prospect.exceptions import SpecError

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}  # fmt: skip
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}  # fmt: skip
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "isna": lambda x: pd.isna(x),
    "notna": lambda x: pd.notna(x),
    "abs": lambda x: np.abs(x),
    "log1p": lambda x: np.log1p(x),
    "fillna": lambda x, v: x.fillna(v) if isinstance(x, pd.Series) else (v if pd.isna(x) else x),
    "minimum": lambda a, b: np.fmin(a, b),
    "maximum": lambda a, b: np.fmax(a, b),
}


class Expression:
    """A parsed expression: its text, the names it reads, and evaluation over a frame.

    Parameters
    ----------
    text : the expression.
    where : what it belongs to (``eligibility rule 'under_age'``), quoted in every error.
    """

    def __init__(self, text: str, *, where: str) -> None:
        self.text = text
        self.where = where
        try:
            self._tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise SpecError(f"{where}: {text!r} is not a valid expression ({exc.msg}).") from exc
        self.names: frozenset[str] = frozenset(self._check(self._tree))

    def _fail(self, what: str) -> SpecError:
        return SpecError(f"{self.where}: {what} is not allowed in {self.text!r}.")

    def _check(self, node: ast.AST) -> set[str]:
        """Names read by ``node``; refuses every construct outside the grammar."""
        if isinstance(node, ast.Name):
            return {node.id}
        if isinstance(node, ast.Constant):
            if node.value is not None and not isinstance(node.value, bool | int | float | str):
                raise self._fail(f"the constant {node.value!r}")
            return set()
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                called = ast.unparse(node.func)
                raise self._fail(f"calling {called!r} (allowed: {sorted(FUNCTIONS)})")
            if node.keywords:
                raise self._fail("a keyword argument")
            return set().union(*(self._check(a) for a in node.args))
        children = self._children(node)
        return set().union(*(self._check(c) for c in children))

    def _children(self, node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and isinstance(side.value, str):
                    raise self._fail("arithmetic on text")
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
            return [node.operand]
        if isinstance(node, ast.BoolOp):
            return list(node.values)
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators, strict=True):
                listed = isinstance(right, ast.List | ast.Tuple)
                if isinstance(op, ast.In | ast.NotIn) and not listed:
                    raise self._fail("'in' without a literal list")
                if not isinstance(op, ast.In | ast.NotIn) and type(op) not in _COMPARE:
                    raise self._fail(f"the comparison {type(op).__name__}")
            return [node.left, *node.comparators]
        if isinstance(node, ast.List | ast.Tuple):
            if not all(isinstance(e, ast.Constant) for e in node.elts):
                raise self._fail("a list of non-constants")
            return list(node.elts)
        raise self._fail(f"{type(node).__name__} ({ast.unparse(node)!r})")

    def check_names(self, known: set[str] | frozenset[str]) -> None:
        """Refuse a name that is neither a column nor a parameter, naming it."""
        unknown = sorted(self.names - set(known))
        if unknown:
            raise SpecError(
                f"{self.where}: {self.text!r} reads unknown column(s) {unknown}; "
                f"known: {sorted(known)}."
            )

    def evaluate(self, frame: pd.DataFrame, params: Mapping[str, Any] | None = None) -> Any:
        """The expression over ``frame``'s columns (and ``params``), a Series or a scalar."""
        scope = dict(params or {})
        missing = sorted(n for n in self.names if n not in frame.columns and n not in scope)
        if missing:
            raise SpecError(f"{self.where}: {self.text!r} needs column(s) {missing}, absent.")
        return _Evaluator(frame, scope).visit(self._tree)

    def mask(self, frame: pd.DataFrame, params: Mapping[str, Any] | None = None) -> np.ndarray:
        """The expression as a boolean per row (missing counts as False)."""
        value = self.evaluate(frame, params)
        if isinstance(value, pd.Series):
            return value.fillna(False).to_numpy(dtype=bool)
        return np.full(len(frame), bool(value) if not pd.isna(value) else False)


class _Evaluator:
    """Walks a tree already checked by :class:`Expression`; booleans combine element-wise."""

    def __init__(self, frame: pd.DataFrame, scope: dict[str, Any]) -> None:
        self.frame, self.scope = frame, scope

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            return self.scope[node.id] if node.id in self.scope else self.frame[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            return FUNCTIONS[node.func.id](*(self.visit(a) for a in node.args))
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.UnaryOp):
            value = self.visit(node.operand)
            if isinstance(node.op, ast.Not):
                return ~_truth(value) if isinstance(value, pd.Series) else not value
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BoolOp):
            values = [_truth(self.visit(v)) for v in node.values]
            combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            out = values[0]
            for value in values[1:]:
                out = combine(out, value)
            return out
        assert isinstance(node, ast.Compare)
        return self._compare(node)

    def _compare(self, node: ast.Compare) -> Any:
        left, out = self.visit(node.left), None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                options = [self.visit(e) for e in right_node.elts]  # type: ignore[attr-defined]
                hit = left.isin(options) if isinstance(left, pd.Series) else left in options
                result = ~hit if isinstance(op, ast.NotIn) else hit
                right = None
            else:
                right = self.visit(right_node)
                result = _COMPARE[type(op)](left, right)
            out = result if out is None else _truth(out) & _truth(result)
            left = right
        return out


def _truth(value: Any) -> Any:
    """A Series as booleans (missing is False); scalars unchanged."""
    if isinstance(value, pd.Series):
        return value.fillna(False).astype(bool)
    return bool(value) if not pd.isna(value) else False
