"""A small, safe expression language for case files: parse with `ast`, evaluate to graph nodes.

The language: numbers, names, ``+ - * / **``, unary minus, parentheses, and calls
to the functions in `function_names` (the op registry's functions and a few
written with ops); for arrays also ``@``, ``.T`` and indexing with whole-number
literals (``w[0]``, ``W[1, 2]``, ``w[-1]``). `parse` accepts exactly those `ast` node
types and rejects everything else (other attributes, slices, lambdas, comprehensions,
comparisons, strings, calls to other names, ...) with the column. Nothing is
ever passed to ``eval`` or ``exec``: `evaluate` walks the checked tree itself,
iteratively, applying Python operators to the operands (`Value` nodes, or
plain floats for sub-expressions made only of numbers, which are folded).

The work is bounded before anything runs: the text length, the nesting depth,
the number of operations and the size of a literal exponent. When it runs, no operation
may make an array of more than `budget.MAX_ARRAY_SIZE` entries (checked from the
operands' shapes before the operation allocates anything), and each operation is counted
against the caller's `budget.WorkBudget`, if any.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from ..value import Value
from .budget import EVALUATE_COST, MAX_ARRAY_SIZE, WorkBudget, cost

MAX_LENGTH = 2000
"""Longest expression accepted, in characters."""
MAX_DEPTH = 100
"""Deepest nesting accepted (operations inside operations)."""
MAX_NODES = 2000
"""Most syntax-tree nodes accepted in one expression."""
MAX_EXPONENT = 100
"""Largest literal exponent accepted: ``x ** 100`` is fine, ``x ** 1000`` is not."""
MAX_INDICES = 4
"""Most indices in one subscript: one per dimension of the largest array a file may hold."""


def function_names() -> tuple[str, ...]:
    """Every function the language knows, as error messages list them: the op registry's
    functions that apply to numbers, the composites (`COMPOSITES`), then those for arrays
    only. A name may not be one of these."""
    scalar, arrays = [], []
    for name, operation in ops.language_functions().items():
        (scalar if operation.for_type(Value) is not None else arrays).append(name)
    return (*scalar, *COMPOSITES, *arrays)


def function_table(arrays: bool) -> dict[str, Callable[..., Any]]:
    """The function table for `Value` operands, or for `Tensor` operands when `arrays`: each
    registered function the node type implements, and the composites."""
    node_type = Tensor if arrays else Value
    table: dict[str, Callable[..., Any]] = {}
    for name, operation in ops.language_functions().items():
        apply = operation.for_type(node_type)
        if apply is not None:
            table[name] = apply
    return table | {name: function for name, (function, _) in COMPOSITES.items()}


def _arity(name: str) -> tuple[int, int]:
    """How many arguments function `name` takes: (fewest, most)."""
    composite = COMPOSITES.get(name)
    return composite[1] if composite else ops.language_functions()[name].arity


_BINARY = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", operator.pow),
    ast.MatMult: ("@", operator.matmul),
}

# What the common rejected node types are, in words, for the error messages.
_REJECTED = {
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and' / 'or'",
    ast.IfExp: "a conditional expression",
    ast.JoinedStr: "an f-string",
    ast.Tuple: "a tuple",
    ast.List: "a list",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.NamedExpr: "an assignment expression",
    ast.Starred: "a starred argument",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class ExpressionError(ValueError):
    """An expression that is not in the language or cannot be evaluated.

    ``reason`` says what is wrong and what to do; ``column`` is the 1-based
    column in the expression text, or None when the problem is the whole text.
    """

    def __init__(self, reason: str, column: int | None = None) -> None:
        super().__init__(reason if column is None else f"column {column}: {reason}")
        self.reason = reason
        self.column = column


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its syntax tree and the names it uses (in order)."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]
    size: int

    def __str__(self) -> str:
        return self.text


def is_name(text: object) -> bool:
    """True for a name the language accepts: ASCII letters, digits, underscores, not a digit
    first, not a Python keyword and not a function name."""
    return (
        isinstance(text, str)
        and text.isascii()
        and text.isidentifier()
        and not _is_keyword(text)
        and text not in function_names()
    )


def name_problem(text: str) -> str:
    """Say why `text` is not an acceptable name (for error messages); '' if it is one."""
    if is_name(text):
        return ""
    if text in function_names():
        return f"{text!r} is a function of the expression language and cannot name a node"
    if _is_keyword(text):
        return f"{text!r} is a Python keyword and cannot name a node"
    return (
        f"{text!r} is not a name: use ASCII letters, digits and underscores, "
        "not starting with a digit (for example w_11_2)"
    )


def parse(text: str) -> Expression:
    """Check `text` against the language and return it parsed.

    Raises `ExpressionError` (with the column when there is one) for anything
    outside the language or beyond the limits; never runs any of it.
    """
    if not isinstance(text, str):
        raise ExpressionError(
            f"an expression must be a string in quotes, got {type(text).__name__}"
        )
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}. "
            "Split it into several equations."
        )
    for i, ch in enumerate(text):
        if not (ch.isascii() and (ch.isprintable() or ch in " \t")):
            raise ExpressionError(
                f"character {ch!r} is not allowed; expressions are plain ASCII", i + 1
            )
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if "#" in text:
        raise ExpressionError(
            "'#' is not allowed: put a comment after the closing quote", text.index("#") + 1
        )
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"parentheses nested more than {MAX_DEPTH} deep", i + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for `1 is 1`: rejected below
            tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        column = error.offset + (len(text) - len(text.lstrip())) if error.offset else None
        raise ExpressionError(f"syntax error: {error.msg}", column) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExpressionError(
            f"the expression is nested too deeply or too large; the limit is {MAX_DEPTH} levels"
        ) from None
    names, size = _check(tree, len(text) - len(text.lstrip()))
    return Expression(text, tree, names, size)


def _check(tree: ast.expr, indent: int) -> tuple[tuple[str, ...], int]:
    """Walk the tree once (iteratively): every node allowed, depth and size bounded."""
    names: dict[str, None] = {}
    size = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        size += 1
        column = getattr(node, "col_offset", -1) + 1 + indent
        if depth > MAX_DEPTH:
            raise ExpressionError(f"operations nested more than {MAX_DEPTH} deep", column)
        if size > MAX_NODES:
            raise ExpressionError(
                f"more than {MAX_NODES} operations in one expression; split it into several "
                "equations"
            )
        children = _children(node, column)
        if isinstance(node, ast.Name):
            names.setdefault(node.id, None)
        stack.extend((child, depth + 1) for child in reversed(children))
    return tuple(names), size


def _children(node: ast.AST, column: int) -> list[ast.expr]:
    """The operands of an allowed node; raise `ExpressionError` for a node not in the language."""
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(
                f"operator {_operator_text(node.op)} is not allowed; use + - * / ** or @", column
            )
        if isinstance(node.op, ast.Pow):
            _check_exponent(node.right, column)
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub):
            raise ExpressionError(
                f"unary {_operator_text(node.op)} is not allowed; only unary minus is", column
            )
        return [node.operand]
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a string" if isinstance(value, (str, bytes)) else repr(value)
            raise ExpressionError(f"{kind} is not allowed here; only numbers", column)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ExpressionError("the number is too large for a float", column)
        return []
    if isinstance(node, ast.Name):
        if node.id in function_names():
            raise ExpressionError(
                f"{node.id!r} is a function; call it with parentheses: {node.id}(...)", column
            )
        if not is_name(node.id):
            raise ExpressionError(name_problem(node.id), column)
        return []
    if isinstance(node, ast.Call):
        return _call_arguments(node, column)
    if isinstance(node, ast.Attribute):
        if node.attr != "T":
            raise ExpressionError(
                f"attribute .{node.attr} is not allowed; the only attribute is .T (transpose)",
                column,
            )
        return [node.value]
    if isinstance(node, ast.Subscript):
        _indices(node.slice, column + node.slice.col_offset - node.col_offset)
        return [node.value]
    what = _REJECTED.get(type(node), f"'{type(node).__name__}'")
    raise ExpressionError(f"{what} is not allowed in an expression", column)


def _call_arguments(node: ast.Call, column: int) -> list[ast.expr]:
    known = function_names()
    if not isinstance(node.func, ast.Name) or node.func.id not in known:
        shown = node.func.id if isinstance(node.func, ast.Name) else "this expression"
        raise ExpressionError(f"cannot call {shown}; the functions are {', '.join(known)}", column)
    name = node.func.id
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments", column)
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError(f"{name}() takes no starred arguments", column)
    low, high = _arity(name)
    if not low <= len(node.args) <= high:
        wanted = "one argument" if low == high == 1 else f"{low} to {high} arguments"
        raise ExpressionError(f"{name}() takes {wanted}, got {len(node.args)}", column)
    return list(node.args)


def _indices(index: ast.expr, column: int) -> tuple[int, ...]:
    """The whole-number literals of a subscript (``W[1, -2]`` -> (1, -2)); anything else in
    the brackets raises `ExpressionError`."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    if len(parts) > MAX_INDICES:
        raise ExpressionError(
            f"{len(parts)} indices; an array has at most {MAX_INDICES} dimensions", column
        )
    found = []
    for part in parts:
        sign = 1
        if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.USub):
            sign, part = -1, part.operand
        if not (
            isinstance(part, ast.Constant)
            and isinstance(part.value, int)
            and not isinstance(part.value, bool)
        ):
            what = "a slice" if isinstance(part, ast.Slice) else "this index"
            raise ExpressionError(
                f"{what} is not allowed; index with whole numbers, such as w[0] or W[1, 2]",
                column,
            )
        found.append(sign * part.value)
    return tuple(found)


def _check_exponent(exponent: ast.expr, column: int) -> None:
    """Bound a literal exponent (``x ** 9`` or ``x ** -2``); others are checked when evaluated."""
    if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub):
        exponent = exponent.operand
    if (
        isinstance(exponent, ast.Constant)
        and isinstance(exponent.value, (int, float))
        and abs(exponent.value) > MAX_EXPONENT
    ):
        raise ExpressionError(
            f"exponent {exponent.value!r:.20} is too large; the limit is {MAX_EXPONENT}", column
        )


# ----------------------------------------------------------------------- evaluation
def _abs(x: Value) -> Value:
    # |x| = relu(x) + relu(-x): derivative sign(x), and 0 at the kink like relu.
    return x.relu() + (-x).relu()


def _max(a: Any, b: Any) -> Any:
    # max(a, b) = b + relu(a - b): derivative 1 to the larger operand (to b on a tie).
    return b + (a - b).relu()


def _min(a: Any, b: Any) -> Any:
    # min(a, b) = a - relu(a - b): derivative 1 to the smaller operand (to a on a tie).
    return a - (a - b).relu()


def _fold(function: Callable[..., Any], args: list[Any]) -> Any:
    """Apply a pairwise function to 2 or more arguments, left to right."""
    result = args[0]
    for arg in args[1:]:
        result = function(result, arg)
    return result


COMPOSITES: dict[str, tuple[Callable[..., Any], tuple[int, int]]] = {
    "sqrt": (lambda x: x**0.5, (1, 1)),
    "abs": (_abs, (1, 1)),
    "max": (lambda *args: _fold(_max, list(args)), (2, 16)),
    "min": (lambda *args: _fold(_min, list(args)), (2, 16)),
}
"""Functions of the language that are not one operation but are written with ops (for
`Value` and `Tensor` operands alike), with how many arguments each takes."""


def evaluate(
    expression: Expression,
    names: Mapping[str, Any],
    functions: Mapping[str, Callable[..., Any]] | None = None,
    budget: WorkBudget | None = None,
) -> Any:
    """Evaluate a parsed expression with `names` mapping each name to its node.

    Operators are applied to the operands as Python operators (so any node type
    with ``+ - * / ** @``, ``.T`` and indexing works); functions come from `functions`
    (default: the table for `Value` operands).
    Sub-expressions made only of numbers are computed as floats. Raises
    `ExpressionError` with the column of the failing operation for an unknown
    name, a function or operator the operands do not support, an index out of range,
    a result of more than `MAX_ARRAY_SIZE` entries, or a math error (division by zero,
    log of a negative number, overflow). Each operation is counted against `budget`
    (which raises `budget.WorkLimitError` when it runs out).
    """
    if functions is None:
        functions = function_table(arrays=False)
    stack: list[tuple[ast.expr, bool]] = [(expression.tree, False)]
    values: list[Any] = []
    while stack:
        node, ready = stack.pop()
        if not ready:
            if isinstance(node, ast.Constant):
                values.append(float(node.value))
                continue
            if isinstance(node, ast.Name):
                if node.id not in names:
                    raise ExpressionError(f"name {node.id!r} is not defined", node.col_offset + 1)
                values.append(names[node.id])
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_operands(node)))
            continue
        count = len(_operands(node))
        args = values[len(values) - count :]
        del values[len(values) - count :]
        result = _apply(node, args, functions)
        if budget is not None:
            budget.spend(
                EVALUATE_COST * _work(node, args, result), "evaluating equations and formulas"
            )
        values.append(result)
    return values[0]


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return [node.value]
    if isinstance(node, ast.Call):
        return list(node.args)
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse() rejects it


def _apply(node: ast.expr, args: list[Any], functions: Mapping[str, Callable[..., Any]]) -> Any:
    """One operation on evaluated operands, with errors turned into `ExpressionError`."""
    column = node.col_offset + 1
    if isinstance(node, ast.Subscript):
        return _subscript(node, args[0], column)
    if any(isinstance(a, Tensor) for a in args):
        _check_size(node, args, column)
    if isinstance(node, ast.BinOp):
        symbol, function = _BINARY[type(node.op)]
        what = f"operator {symbol}"
    elif isinstance(node, ast.UnaryOp):
        function, what = operator.neg, "unary minus"
    elif isinstance(node, ast.Attribute):
        function, what = operator.attrgetter("T"), ".T"
    else:
        name = node.func.id  # type: ignore[attr-defined]
        if name not in functions:
            raise ExpressionError(
                f"{name}() needs array operands; every value here is a scalar", column
            )
        function, what = functions[name], f"{name}()"
    # Only numbers: compute through a throwaway Value so the same checks apply
    # (a number exponent stays a number: (-2) ** 2 is fine).
    numbers_only = all(isinstance(a, float) for a in args)
    operands = [Value(args[0], label=f"{args[0]:g}"), *args[1:]] if numbers_only else args
    try:
        result = function(*operands)
    except (ArithmeticError, ValueError) as error:
        raise ExpressionError(f"{what}: {error}", column) from None
    except (TypeError, AttributeError):
        kinds = " and ".join(sorted({type(a).__name__ for a in operands}))
        hint = " (it needs arrays)" if what in ("operator @", ".T") else ""
        raise ExpressionError(f"{what} cannot be applied to {kinds}{hint}", column) from None
    value = getattr(result, "data", result)
    if not (math.isfinite(value) if isinstance(value, float) else np.all(np.isfinite(value))):
        raise ExpressionError(f"{what}: the result is not finite (too large for a float)", column)
    return result.data if numbers_only else result


def _work(node: ast.expr, args: list[Any], result: Any) -> int:
    """The `budget.cost` of one operation: by the entries it makes (times the length of the
    summed axis for ``@``)."""
    if not isinstance(result, Tensor):
        return 1
    entries = result.size
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        entries *= np.shape(getattr(args[0], "data", args[0]))[-1]
    return cost(entries)


def _subscript(node: ast.Subscript, array: Any, column: int) -> Any:
    """``array[i, j]`` for whole-number literals, each checked against its axis first."""
    column += node.slice.col_offset - node.col_offset  # point at the index
    indices = _indices(node.slice, column)
    name = node.value.id if isinstance(node.value, ast.Name) else "the value indexed"
    if not isinstance(array, Tensor) or not array.shape:
        raise ExpressionError(
            f"{name} is a single number and cannot be indexed; only arrays can", column
        )
    shape = array.shape
    if len(indices) > len(shape):
        raise ExpressionError(
            f"{len(indices)} indices for {name} of shape {shape}: at most {len(shape)}", column
        )
    for axis, (index, length) in enumerate(zip(indices, shape)):
        if not -length <= index < length:
            raise ExpressionError(
                f"index {index} is out of range for axis {axis} of {name} (shape {shape}): it "
                f"runs from {-length} to {length - 1}",
                column,
            )
    return array[indices if len(indices) > 1 else indices[0]]


def _check_size(node: ast.expr, args: list[Any], column: int) -> None:
    """Refuse an operation whose result would have more than `MAX_ARRAY_SIZE` entries, from
    its operands' shapes, before it allocates anything (broadcasting can multiply sizes)."""
    shapes = [np.shape(getattr(a, "data", a)) for a in args]
    if len(shapes) < 2:
        return  # one operand: the result is no larger than it
    try:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            size = _matmul_size(shapes[0], shapes[1])
        else:
            size = math.prod(np.broadcast_shapes(*shapes))
    except ValueError:
        return  # shapes that do not fit: the operation itself says so
    if size > MAX_ARRAY_SIZE:
        shown = " and ".join(str(s) for s in shapes)
        raise ExpressionError(
            f"the result would have {size} entries (operands of shapes {shown}); the limit is "
            f"{MAX_ARRAY_SIZE} entries per array",
            column,
        )


def _matmul_size(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """How many entries ``A @ B`` has for operands of shapes `a` and `b` (numpy's rules)."""
    if not a or not b:
        raise ValueError("matmul needs arrays")
    rows = a[-2] if len(a) > 1 else 1
    columns = b[-1] if len(b) > 1 else 1
    batch = np.broadcast_shapes(a[:-2], b[:-2])
    return math.prod(batch) * rows * columns


def _is_keyword(text: str) -> bool:
    return keyword.iskeyword(text) or keyword.issoftkeyword(text)


def _operator_text(op: ast.AST) -> str:
    symbols = {
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.Invert: "~",
        ast.Not: "not",
        ast.UAdd: "+",
    }
    return symbols.get(type(op), type(op).__name__)
