"""Fuzzing: random expression graphs against finite differences, and random case-file ASTs.

- Tensor graphs: 1 to 3 inputs of rank 0 to 3 whose shapes broadcast against each other
  (also changing rank), then up to 8 random operations on random earlier nodes (reuse
  included): entry-wise functions, the four operations and powers with broadcasting,
  numbers and arrays on either side, matmul, linear, reductions over random axes,
  softmax, reshape, transpose, indexing with repeats, concatenate, stack, squared error
  and cross-entropy. The loss weights every node made by a random array, so every edge's
  Jacobian counts; `autograd.gradcheck` compares its gradient with central differences.
- Value graphs: the same with scalar operations, constants on either side, nodes used
  several times, `sum_values` and `dot_values` (with plain-number inputs).
- Case files: random syntax trees of allowed and forbidden node types (and chains deep
  enough to hit the parser's limits), unparsed into an equation: `verify` either judges
  the file or raises `CaseFileError` with a one-line message, never anything else, and
  nothing in the expression runs. Time is bounded by the parser's limits (length, depth,
  node count, literal exponents), not by a clock. (Random bytes and random TOML tables
  are fuzzed in tests/test_hostile_casefiles.py.)

Inputs stay away from domain edges and kinks by construction: an operation is only
applied where its operands have a margin (log and sqrt above 0.2, denominators and relu
inputs away from 0, exp below 4, max with a gap between the largest entries), so a step
of a finite difference never crosses one; gradcheck also recognises kinks itself.

Budget: ``CHAINGRAD_FUZZ_EXAMPLES`` examples per fuzzer (default 150, about 10 s for the
file on 2 cores); for a longer run: ``CHAINGRAD_FUZZ_EXAMPLES=2000 make test`` or
``CHAINGRAD_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from chaingrad.autograd.grad_mode import no_grad
from chaingrad.autograd.gradcheck import gradcheck
from chaingrad.autograd.tensor import Tensor
from chaingrad.autograd.tensor_ops import concatenate, cross_entropy, linear, squared_error, stack
from chaingrad.autograd.value import Value, dot_values, sum_values
from chaingrad.autograd.verification import CaseFileError, verify
from chaingrad.autograd.verification.expr import MAX_DEPTH, function_names
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("CHAINGRAD_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LIMIT = 1e3
"""Nodes larger than this are not used further (a chain of products would overflow)."""
MARGIN = 0.05
"""Distance kept from a kink (relu at 0, ties of max)."""


# ============================================================================= shared
def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random entries in [-2, -0.1] or [0.1, 2]: no input sits at a kink or a domain edge."""
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def fits(x: np.ndarray | float) -> bool:
    """True when a node has entries (slicing can empty it), all finite and at most `LIMIT`."""
    return bool(np.size(x) and np.all(np.isfinite(x)) and np.all(np.abs(x) <= LIMIT))


Step = tuple[str, tuple[int, ...], Any]
"""One instruction of a random program: the operation, the pool indices of its operands,
and its constant parameters (an axis, an array, a number)."""


def check_gradients(f: Callable[..., Any], leaves: list[Any], program: list[Step]) -> None:
    """Assert that autodiff and central differences agree for every input entry."""
    result = gradcheck(f, *leaves, atol=1e-6, rtol=1e-4)
    assert result.passed, f"program: {[step[:2] for step in program]}\n{result}"


def pick(rng: np.random.Generator, choices: list[Any]) -> Any:
    """One of `choices`, uniformly (hypothesis' sampled_from favours the first ones)."""
    return choices[rng.integers(len(choices))]


# ============================================================================= Tensor graphs
@st.composite
def broadcast_shapes(draw: st.DrawFn) -> list[tuple[int, ...]]:
    """1 to 3 shapes of rank 0 to 3 that broadcast together: trailing parts of one base
    shape with some dimensions set to 1."""
    rank = draw(st.sampled_from([0, 1, 2, 2, 3, 3]))  # mostly matrices and 3-d arrays
    base = tuple(draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    shapes = []
    for _ in range(draw(st.integers(1, 3))):
        rank = draw(st.sampled_from([len(base), len(base), *range(len(base))]))
        dims = base[len(base) - rank :]
        ones = draw(st.lists(st.booleans(), min_size=rank, max_size=rank))
        shapes.append(tuple(1 if one else n for n, one in zip(dims, ones)))
    return shapes


def broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def tie_free(x: np.ndarray, axes: tuple[int, ...] | None) -> bool:
    """True when, along `axes`, the largest entry beats the second by more than `MARGIN`."""
    axes = tuple(range(x.ndim)) if axes is None else axes
    if not axes:
        return True
    kept = [i for i in range(x.ndim) if i not in axes]
    groups = np.moveaxis(x, kept, list(range(len(kept)))).reshape(*(x.shape[i] for i in kept), -1)
    if groups.shape[-1] < 2:
        return True
    top = np.sort(groups, axis=-1)
    return bool((top[..., -1] - top[..., -2] > MARGIN).all())


def unary_choices(a: Tensor, rng: np.random.Generator) -> list[Step]:
    """The one-operand steps `a` admits (index 0 is filled in by the caller)."""
    x = a.data
    low, high, small = x.min(initial=np.inf), x.max(initial=-np.inf), np.abs(x).min(initial=np.inf)
    steps: list[Step] = [("neg", (), None), ("tanh", (), None), ("sigmoid", (), None),
                         ("square", (), None), ("cube", (), None), ("rsub", (), 2.5)]  # fmt: skip
    if high < 4:
        steps += [("exp", (), None), ("rpow", (), 1.5)]
    if low > 0.2:
        steps += [("log", (), None), ("sqrt", (), None)]
    if small > MARGIN:
        steps.append(("relu", (), None))
    if small > 0.5:
        steps += [("reciprocal", (), None), ("rdiv", (), 1.0)]
    coefficients = rng.normal(size=x.shape[rng.integers(x.ndim + 1) :])  # broadcasts against x
    steps += [("times_array", (), coefficients), ("array_minus", (), coefficients)]
    axes_choices: list[tuple[int, ...] | None] = [None]
    for r in range(1, x.ndim + 1):
        axes_choices += list(itertools.combinations(range(x.ndim), r))
    axes = pick(rng, axes_choices)
    keepdims = bool(rng.random() < 0.5)
    steps += [("sum", (), (axes, keepdims)), ("mean", (), (axes, keepdims)),
              ("logsumexp", (), (axes, keepdims))]  # fmt: skip
    if tie_free(x, axes):
        steps.append(("max", (), (axes, keepdims)))
    if x.ndim:
        axis = int(rng.integers(-x.ndim, x.ndim))
        steps += [("softmax", (), axis), ("log_softmax", (), axis)]
        steps.append(("reshape", (), pick(rng, [(-1,), (x.size, 1), x.shape[::-1]])))
        repeats = rng.integers(0, x.shape[0], rng.integers(1, 5))  # rows picked, with repeats
        steps += [("take", (), repeats), ("index", (), (slice(None, None, -1),)),
                  ("index", (), 0), ("index", (), (Ellipsis, slice(1, None)))]  # fmt: skip
        steps.append(("linear_const", (), (rng.normal(size=(2, x.shape[-1])), rng.normal(size=2))))
    if x.ndim >= 2:
        steps.append(("transpose", (), tuple(rng.permutation(x.ndim))))
    if x.ndim == 2:
        steps.append(("cross_entropy", (), rng.integers(0, x.shape[1], x.shape[0])))
    return steps


def binary_choices(a: Tensor, b: Tensor) -> list[Step]:
    """The two-operand steps the pair (a, b) admits."""
    sa, sb = a.shape, b.shape
    steps: list[Step] = []
    if broadcastable(sa, sb):
        steps += [("add", (), None), ("sub", (), None), ("mul", (), None),
                  ("squared_error", (), 0.5)]  # fmt: skip
        if np.abs(b.data).min(initial=np.inf) > 0.5:
            steps.append(("div", (), None))
        if a.data.min(initial=np.inf) > 0.2 and np.abs(b.data).max(initial=0) < 2:
            steps.append(("pow", (), None))
    if a.ndim and b.ndim:
        try:
            np.matmul(np.empty(sa), np.empty(sb))
            steps.append(("matmul", (), None))
        except ValueError:
            pass
    if sa == sb and a.ndim:
        steps.append(("stack", (), 0))
    if a.ndim and a.ndim == b.ndim and sa[1:] == sb[1:]:
        steps.append(("concatenate", (), 0))
    if a.ndim and b.ndim == 2 and sa[-1] == sb[1]:
        steps.append(("linear", (), None))
    return steps


def _axes(param: tuple[tuple[int, ...] | None, bool]) -> dict[str, Any]:
    axes, keepdims = param
    return {"axis": axes, "keepdims": keepdims}


TENSOR_OPS: dict[str, Callable[..., Tensor]] = {
    "neg": lambda a, _: -a,
    "tanh": lambda a, _: a.tanh(),
    "sigmoid": lambda a, _: a.sigmoid(),
    "square": lambda a, _: a**2,
    "cube": lambda a, _: a**3,
    "rsub": lambda a, c: c - a,
    "exp": lambda a, _: a.exp(),
    "rpow": lambda a, c: c**a,
    "log": lambda a, _: a.log(),
    "sqrt": lambda a, _: a**0.5,
    "relu": lambda a, _: a.relu(),
    "reciprocal": lambda a, _: a**-1,
    "rdiv": lambda a, c: c / a,
    "times_array": lambda a, c: c * a,
    "array_minus": lambda a, c: c - a,
    "sum": lambda a, p: a.sum(**_axes(p)),
    "mean": lambda a, p: a.mean(**_axes(p)),
    "logsumexp": lambda a, p: a.logsumexp(**_axes(p)),
    "max": lambda a, p: a.max(**_axes(p)),
    "softmax": lambda a, axis: a.softmax(axis),
    "log_softmax": lambda a, axis: a.log_softmax(axis),
    "reshape": lambda a, shape: a.reshape(shape),
    "take": lambda a, rows: a[rows],
    "index": lambda a, index: a[index],
    "linear_const": lambda a, wb: linear(a, *wb),
    "transpose": lambda a, perm: a.transpose(perm),
    "cross_entropy": lambda a, labels: cross_entropy(a, labels),
    "add": lambda a, b, _: a + b,
    "sub": lambda a, b, _: a - b,
    "mul": lambda a, b, _: a * b,
    "squared_error": lambda a, b, scale: squared_error(a, b, scale),
    "div": lambda a, b, _: a / b,
    "pow": lambda a, b, _: a**b,
    "matmul": lambda a, b, _: a @ b,
    "stack": lambda a, b, axis: stack([a, b], axis),
    "concatenate": lambda a, b, axis: concatenate([a, b], axis),
    "linear": lambda a, b, _: linear(a, b),
}


def run_tensor_program(leaves: list[Tensor], program: list[Step]) -> list[Tensor]:
    """The pool of nodes: the leaves, then one node per step."""
    pool = list(leaves)
    for name, operands, param in program:
        pool.append(TENSOR_OPS[name](*(pool[i] for i in operands), param))
    return pool


@st.composite
def tensor_programs(draw: st.DrawFn) -> tuple[list[np.ndarray], list[Step], list[np.ndarray]]:
    """Input arrays, a program of up to 8 steps, and one loss weight array per step."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = [away_from_zero(rng, shape) for shape in draw(broadcast_shapes())]
    program: list[Step] = []
    with no_grad():
        pool = [Tensor(x) for x in inputs]
        for _ in range(rng.integers(2, 9)):
            i = rng.integers(len(pool))
            if rng.random() < 0.5:
                name, _, param = pick(rng, unary_choices(pool[i], rng))
                step: Step = (name, (i,), param)
            else:
                j = rng.integers(len(pool))
                choices = binary_choices(pool[i], pool[j])
                if not choices:
                    continue
                name, _, param = pick(rng, choices)
                step = (name, (i, j), param)
            node = run_tensor_program(pool, [step])[-1]
            if fits(node.data):
                program.append((step[0], step[1], step[2]))
                pool.append(node)
    weights = [rng.normal(size=node.shape) for node in pool[len(inputs) :]]
    return inputs, program, weights


@FUZZ
@given(tensor_programs())
def test_random_tensor_graphs_match_finite_differences(case):
    inputs, program, weights = case

    def loss(*leaves: Tensor) -> Tensor:
        made = run_tensor_program(list(leaves), program)[len(leaves) :]
        total = Tensor(0.0)
        for node, w in zip(made, weights):
            total = total + (node * w).sum()
        return total

    check_gradients(loss, [Tensor(x, requires_grad=True) for x in inputs], program)


# ============================================================================= Value graphs
VALUE_UNARY: dict[str, Callable[[Value], Value]] = {
    "neg": lambda a: -a,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "plus_number": lambda a: 0.75 + a,
    "number_minus": lambda a: 2.5 - a,
    "number_times": lambda a: -1.5 * a,
    "exp": Value.exp,
    "rpow": lambda a: 1.5**a,
    "log": Value.log,
    "sqrt": lambda a: a**0.5,
    "power_1_5": lambda a: a**1.5,
    "relu": Value.relu,
    "reciprocal": lambda a: a**-1,
    "number_over": lambda a: 1.0 / a,
    "over_number": lambda a: a / 3.0,
}
VALUE_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}


def value_unary_choices(a: Value) -> list[str]:
    x = a.data
    names = ["neg", "tanh", "sigmoid", "square", "cube", "plus_number", "number_minus",
             "number_times", "over_number"]  # fmt: skip
    if x < 4:
        names += ["exp", "rpow"]
    if x > 0.2:
        names += ["log", "sqrt", "power_1_5"]
    if abs(x) > MARGIN:
        names.append("relu")
    if abs(x) > 0.5:
        names += ["reciprocal", "number_over"]
    return names


def value_binary_choices(a: Value, b: Value) -> list[str]:
    names = ["add", "sub", "mul"]
    if abs(b.data) > 0.5:
        names.append("div")
    if a.data > 0.2 and abs(b.data) < 2:
        names.append("pow")
    return names


def run_value_program(leaves: list[Value], program: list[Step]) -> list[Value]:
    """The pool of nodes: the leaves, then one node per step."""
    pool = list(leaves)
    for name, operands, param in program:
        args = [pool[i] for i in operands]
        if name == "sum_values":
            pool.append(sum_values(args))
        elif name == "dot_values":
            numbers, with_bias = param
            half = len(args) // 2
            inputs = [*args[half : 2 * half], *numbers]
            weights = args[:half] + [args[0]] * len(numbers)
            pool.append(dot_values(weights, inputs, args[-1] if with_bias else None))
        elif name in VALUE_BINARY:
            pool.append(VALUE_BINARY[name](*args))
        else:
            pool.append(VALUE_UNARY[name](*args))
    return pool


@st.composite
def value_programs(draw: st.DrawFn) -> tuple[list[float], list[Step], list[float]]:
    """Input numbers, a program of up to 10 steps (nodes reused freely), loss coefficients."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = away_from_zero(rng, (draw(st.integers(1, 4)),)).tolist()
    program: list[Step] = []
    pool = [Value(x) for x in inputs]
    for _ in range(rng.integers(2, 11)):
        kind = pick(rng, ["unary"] * 3 + ["binary"] * 3 + ["sum_values", "dot_values"])
        if kind == "unary":
            i = rng.integers(len(pool))
            step: Step = (pick(rng, value_unary_choices(pool[i])), (i,), None)
        elif kind == "binary":
            i, j = rng.integers(len(pool), size=2)
            step = (pick(rng, value_binary_choices(pool[i], pool[j])), (i, j), None)
        else:  # operands may repeat: a node used several times in one sum
            operands = tuple(rng.integers(len(pool), size=rng.integers(1, 6)))
            numbers = rng.normal(size=rng.integers(0, 3)).tolist()
            step = (kind, operands, (numbers, bool(rng.random() < 0.5)))
        node = run_value_program(pool, [step])[-1]
        if fits(node.data):
            program.append(step)
            pool.append(node)
    return inputs, program, rng.normal(size=len(program)).tolist()


@FUZZ
@given(value_programs())
def test_random_value_graphs_with_reuse_match_finite_differences(case):
    inputs, program, coefficients = case

    def loss(*leaves: Value) -> Value:
        made = run_value_program(list(leaves), program)[len(leaves) :]
        return sum_values(c * node for c, node in zip(coefficients, made)) if made else leaves[0]

    check_gradients(loss, [Value(x) for x in inputs], program)


# ============================================================================= case-file ASTs
HEAD = '[inputs]\nx = 2.0\n[parameters]\nw = 0.5\n[equations]\na = "w*x"\n'
SENTINEL = Path(tempfile.gettempdir()) / f"chaingrad-fuzz-{os.getpid()}"
"""A file an escaped expression would create: `open(SENTINEL, 'w')` is among the calls."""

BINARY_OPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.Mod, ast.FloorDiv,
              ast.LShift, ast.BitAnd, ast.BitOr]  # fmt: skip
UNARY_OPS = [ast.USub, ast.USub, ast.UAdd, ast.Not, ast.Invert]
CALLED = [*function_names(), "print", "eval", "open", "__import__", "getattr"]
NAMES = ["x", "w", "a", "q", "exp", "__builtins__", "None"]

constants = st.one_of(
    st.integers(0, 12),
    st.sampled_from([99, 10**9, 2**64, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["s", b"b", None, True, 1j, ...]),
).map(lambda v: ast.Constant(value=v))
leaves = st.one_of(constants, st.sampled_from(NAMES).map(lambda n: ast.Name(id=n)))


def extend(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    """Nodes of every kind built from `children`: the language's and the forbidden ones."""
    some = st.lists(children, max_size=3)
    return st.one_of(
        st.builds(ast.BinOp, children, st.sampled_from(BINARY_OPS).map(lambda op: op()), children),
        st.builds(ast.UnaryOp, st.sampled_from(UNARY_OPS).map(lambda op: op()), children),
        st.builds(
            lambda f, args: ast.Call(ast.Name(id=f), args, []), st.sampled_from(CALLED), some
        ),
        st.builds(
            lambda f, arg: ast.Call(ast.Name(id=f), [arg], [ast.keyword("k", arg)]),
            st.sampled_from(CALLED),
            children,
        ),
        st.builds(lambda v, a: ast.Attribute(v, a), children, st.sampled_from(["T", "data"])),
        st.builds(lambda a, b: ast.Compare(a, [ast.Lt()], [b]), children, children),
        st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), children, children),
        st.builds(ast.IfExp, children, children, children),
        st.builds(lambda v, i: ast.Subscript(v, i), children, children),
        st.builds(lambda items: ast.Tuple(items), some),
        st.builds(lambda items: ast.List(items), some),
        st.builds(lambda body: ast.Lambda(_no_arguments(), body), children),
        st.builds(lambda v: ast.NamedExpr(ast.Name(id="y"), v), children),
        st.builds(lambda v: ast.Call(ast.Name(id="max"), [ast.Starred(v)], []), children),
        st.just(
            ast.Call(ast.Name(id="open"), [ast.Constant(str(SENTINEL)), ast.Constant("w")], [])
        ),
    )


language_leaves = st.one_of(
    st.sampled_from(["x", "w", "a"]).map(lambda n: ast.Name(id=n)),
    st.one_of(st.integers(0, 5), st.floats(-3, 3, allow_subnormal=False)).map(
        lambda v: ast.Constant(value=v)
    ),
)
LANGUAGE_OPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow]
SCALAR_FUNCTIONS = [
    name for name in function_names() if name not in ("max", "min", "sum", "softmax", "log_softmax")
]


def language(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    """Nodes of the expression language only (the values may still leave a domain)."""
    return st.one_of(
        st.builds(
            ast.BinOp, children, st.sampled_from(LANGUAGE_OPS).map(lambda op: op()), children
        ),
        st.builds(lambda e: ast.UnaryOp(ast.USub(), e), children),
        st.builds(
            lambda f, e: ast.Call(ast.Name(id=f), [e], []),
            st.sampled_from(SCALAR_FUNCTIONS),
            children,
        ),
        st.builds(
            lambda f, args: ast.Call(ast.Name(id=f), args, []),
            st.sampled_from(["max", "min"]),
            st.lists(children, min_size=2, max_size=3),
        ),
    )


def _no_arguments() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


WRAPPERS: dict[str, Callable[[ast.expr], ast.expr]] = {
    "minus": lambda e: ast.UnaryOp(ast.USub(), e),
    "sigmoid": lambda e: ast.Call(ast.Name(id="sigmoid"), [e], []),
    "plus x": lambda e: ast.BinOp(ast.Name(id="x"), ast.Add(), e),
    "parentheses": lambda e: ast.BinOp(e, ast.Mult(), ast.Constant(1)),
}


@st.composite
def expressions(draw: st.DrawFn) -> str:
    """A random expression's text: a random tree of the language, or of anything, sometimes
    wrapped past the depth limit."""
    if draw(st.booleans()):
        tree = draw(st.recursive(language_leaves, language, max_leaves=20))
    else:
        tree = draw(st.recursive(leaves, extend, max_leaves=20))
    depth = draw(st.sampled_from([0, 0, 0, MAX_DEPTH - 5, MAX_DEPTH + 5, 3 * MAX_DEPTH]))
    wrap = WRAPPERS[draw(st.sampled_from(sorted(WRAPPERS)))]
    for _ in range(depth):
        tree = wrap(tree)
    return ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))


@FUZZ
@given(expressions())
def test_random_syntax_trees_are_judged_or_refused_cleanly(expression):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_text(HEAD + f"b = {json.dumps(expression)}\n", encoding="utf-8")
        try:
            result = verify(path)
        except CaseFileError as error:
            assert "\n" not in str(error) and str(path) in str(error)
        else:
            assert result.exit_code in (0, 1)
            json.dumps(result.to_json(), allow_nan=False)
    assert not SENTINEL.exists()
