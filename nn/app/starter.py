"""``chaingrad new``: a starter case file for a network, so an author only types the numbers.

``chaingrad new --sizes 2-2-2 --hidden sigmoid --output sigmoid --loss half_squared_error``
writes a case file with every input, target, parameter and equation of that network in
place, named by one of `nn.scalar`'s naming schemes (``numbered``: seed 001's ``w1``,
``b1``, ``net_n3``, ``out_n3``; ``indexed``: seed 000's ``w1_21`` for w₂₁⁽¹⁾, ``h1``,
``o1``, with bias nodes ``x0``, ``h0`` = 1), placeholder numbers marked as such, and
commented-out examples of each kind of claim. The examples' numbers are the placeholders'
own, so the file verifies as written and after uncommenting any of them.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chaingrad.autograd.files import write_atomically
from chaingrad.autograd.verification import Point, load_case

from ..documents.casefiles import case_file_name
from ..scalar import NAMING_SCHEMES, Site
from .output import emit
from .usage import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

HIDDEN = ("sigmoid", "relu", "tanh")
"""The hidden layers' activations `chaingrad new` writes."""
OUTPUTS = ("sigmoid", "identity", "softmax")
"""The output layer's activations."""
LOSSES = ("half_squared_error", "sum_squared_error", "cross_entropy")
"""The losses: E = ½Σ(o − t)², E = Σ(o − t)², and cross-entropy (−Σ t log o after a
softmax, binary cross-entropy after sigmoids)."""
MAX_LAYERS = 4
"""Most layers of weights (sizes lists one more number: the inputs)."""
MAX_WIDTH = 9
"""Most units in a layer: the indexed names' subscripts stay single digits. (The largest
files draw with ``chaingrad draw FILE --max-nodes 1000 --max-edges 1000``.)"""
PLACEHOLDER = "# placeholder"
"""What marks a number the author replaces with the document's."""


@dataclass
class _Draft:
    """The case file being written: its tables' lines, and the names in order."""

    inputs: list[str] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)
    equations: list[str] = field(default_factory=list)
    weights: dict[tuple[int, int, int], str] = field(default_factory=dict)
    """Each weight's name by (layer, neuron, input), counted from 1."""

    def parameter(self, name: str, fan_in: int) -> str:
        """Declare parameter `name` of a unit with `fan_in` inputs with the next placeholder
        value (0.1, 0.2, ..., 0.9, 0.1, ... over fan_in / 2, so that deep or wide networks
        stay away from saturated sigmoids); return the name."""
        value = 0.1 * (1 + len(self.parameters) % 9) / max(1.0, fan_in / 2)
        self.parameters.append(f"{name} = {round(value, 3):g}  {PLACEHOLDER}")
        return name


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"2-3-1"`` -> (2, 3, 1): the inputs, then each layer's width, within the limits."""
    parts = re.split(r"[-,x ]", text.strip())
    if not all(p.isdigit() for p in parts):
        raise UsageError(
            f"--sizes {text}: write the inputs, then each layer's width, joined by hyphens "
            "(2-2-1: two inputs, a hidden layer of two, one output)"
        )
    sizes = tuple(int(p) for p in parts)
    if not 2 <= len(sizes) <= MAX_LAYERS + 1 or not all(1 <= n <= MAX_WIDTH for n in sizes):
        raise UsageError(
            f"--sizes {text}: a starter file has 1 to {MAX_LAYERS} layers of 1 to {MAX_WIDTH} "
            f"units each (2 to {MAX_LAYERS + 1} numbers from 1 to {MAX_WIDTH}); for a larger "
            "network write the case file with arrays (chaingrad help casefile)"
        )
    return sizes


def starter_case_file(
    sizes: tuple[int, ...], hidden: str, output: str, loss: str, names: str = "numbered"
) -> str:
    """The text of a starter case file for the network `sizes` (inputs first) with `hidden`
    and `output` activations, `loss` and the naming scheme `names` (see the module)."""
    for value, known, what in (
        (hidden, HIDDEN, "--hidden"),
        (output, OUTPUTS, "--output"),
        (loss, LOSSES, "--loss"),
        (names, tuple(NAMING_SCHEMES), "--names"),
    ):
        if value not in known:
            raise UsageError(f"{what} {value}: choose one of {', '.join(known)}")
    if output == "softmax" and sizes[-1] < 2:
        raise UsageError("--output softmax needs at least 2 outputs (the last size)")
    if loss == "cross_entropy" and output == "identity":
        raise UsageError(
            "--loss cross_entropy needs outputs that are probabilities: use --output softmax "
            "or --output sigmoid"
        )
    naming = NAMING_SCHEMES[names]
    draft = _Draft()
    units = [f"x{i}" for i in range(1, sizes[0] + 1)]
    draft.inputs += [f"{x} = {0.05 * i:.2f}  {PLACEHOLDER}" for i, x in enumerate(units, 1)]
    for layer in range(1, len(sizes)):
        last = layer == len(sizes) - 1
        activation = output if last else hidden
        units = _layer(draft, naming, sizes, layer, units, activation)
    targets = [f"t{j}" for j in range(1, sizes[-1] + 1)]
    draft.inputs += [
        f"{t} = {_target(j, output)}  {PLACEHOLDER}: the target" for j, t in enumerate(targets)
    ]
    loss_name = "J" if names == "indexed" else "E"
    draft.equations.append(f'{loss_name} = "{_loss(loss, output, units, targets)}"')
    head = _file_text(sizes, hidden, output, loss, names, draft, "")
    below = _previous_units(naming, sizes)[0]
    formulas = _output_formulas(
        loss_name, loss, output, units[0], targets[0], below, draft.weights[len(sizes) - 1, 1, 1]
    )
    examples = _claim_examples(head, loss_name, units[0], draft.weights[1, 1, 1], formulas)
    return _file_text(sizes, hidden, output, loss, names, draft, examples)


def _layer(
    draft: _Draft,
    naming: Callable[[Site], str | None],
    sizes: tuple[int, ...],
    layer: int,
    inputs: list[str],
    activation: str,
) -> list[str]:
    """Declare layer `layer`'s parameters and equations; return its units' output names."""
    bias_label = naming(Site("bias_node", layer, 0, 0, sizes))
    if bias_label is not None:  # the indexed scheme's bias node x_0 / h_0 = 1
        bias_node = case_file_name(bias_label)
        draft.inputs.append(f"{bias_node} = 1  # the bias node (always 1)")
    outs, nets = [], []
    for j in range(1, sizes[layer] + 1):
        terms = []
        for i, x in enumerate(inputs, 1):
            weight = draft.parameter(
                _named(naming, Site("weight", layer, j, i, sizes)), len(inputs)
            )
            draft.weights[layer, j, i] = weight
            terms.append(f"{weight}*{x}")
        bias = draft.parameter(_named(naming, Site("bias", layer, j, 0, sizes)), len(inputs))
        if bias_label is not None:  # the bias node's weight first, as seed 000 writes it
            terms.insert(0, f"{bias}*{bias_node}")
        else:
            terms.append(bias)
        out = _named(naming, Site("out", layer, j, 0, sizes))
        net_label = naming(Site("net", layer, j, 0, sizes))
        net = case_file_name(net_label) if net_label is not None else f"net_{out}"
        total = " + ".join(terms)
        if activation == "softmax":
            draft.equations.append(f'{net} = "{total}"')
            nets.append(net)
        elif activation == "identity":
            draft.equations.append(f'{out} = "{total}"')
        elif net_label is not None:
            draft.equations += [f'{net} = "{total}"', f'{out} = "{activation}({net})"']
        else:
            draft.equations.append(f'{out} = "{activation}({total})"')
        outs.append(out)
    if activation == "softmax":
        denominator = " + ".join(f"exp({net})" for net in nets)
        draft.equations += [f'{o} = "exp({n}) / ({denominator})"' for o, n in zip(outs, nets)]
    return outs


def _named(naming: Callable[[Site], str | None], site: Site) -> str:
    """The case-file name the scheme gives `site` (which every scheme names)."""
    label = naming(site)
    assert label is not None, site
    return case_file_name(label)


def _previous_units(naming: Callable[[Site], str | None], sizes: tuple[int, ...]) -> list[str]:
    """The names of the units feeding the output layer (the inputs, with no hidden layer)."""
    if len(sizes) == 2:
        return [f"x{i}" for i in range(1, sizes[0] + 1)]
    layer = len(sizes) - 2
    return [_named(naming, Site("out", layer, j, 0, sizes)) for j in range(1, sizes[layer] + 1)]


def _target(j: int, output: str) -> str:
    """A placeholder target: one-hot for softmax, else 0.01, 0.99, 0.01, ..."""
    if output == "softmax":
        return "1" if j == 0 else "0"
    return "0.01" if j % 2 == 0 else "0.99"


def _loss(loss: str, output: str, outs: list[str], targets: list[str]) -> str:
    """The loss equation's expression."""
    pairs = list(zip(outs, targets))
    if loss == "cross_entropy" and output == "softmax":
        return "-(" + " + ".join(f"{t}*log({o})" for o, t in pairs) + ")"
    if loss == "cross_entropy":
        terms = [f"{t}*log({o}) + (1 - {t})*log(1 - {o})" for o, t in pairs]
        return "-(" + " + ".join(terms) + ")"
    squares = " + ".join(f"({o} - {t})**2" for o, t in pairs)
    if loss == "sum_squared_error":
        return squares
    return f"0.5*({squares})"


def _output_formulas(
    loss_name: str, loss: str, output: str, o: str, t: str, h: str, w: str
) -> list[str]:
    """Two correct formulas to show the format: dloss/d(first output), and d(first output)
    / d(its weight from the first unit below)."""
    if loss == "cross_entropy" and output == "softmax":
        d_loss = f"-{t} / {o}"
    elif loss == "cross_entropy":
        d_loss = f"-({t} / {o} - (1 - {t}) / (1 - {o}))"
    elif loss == "sum_squared_error":
        d_loss = f"2 * ({o} - {t})"
    else:
        d_loss = f"{o} - {t}"
    d_out = h if output == "identity" else f"{o} * (1 - {o}) * {h}"
    return [f'"d{loss_name}/d{o}" = "{d_loss}"', f'"d{o}/d{w}" = "{d_out}"']


def _claim_examples(head: str, loss_name: str, out: str, first: str, formulas: list[str]) -> str:
    """The commented-out claims, one of each kind: the value of `out`, the derivative of the
    loss and the update of weight `first` with the placeholders' own numbers (computed from
    the file so far, `head`), and `formulas`."""
    case = load_case(tomllib.loads(head))
    point = Point.from_case(case, {**case.inputs, **case.parameters})
    gradient = point.derivative(loss_name, first)
    assert case.learning_rate is not None
    step = case.parameters[first] - case.learning_rate * gradient
    return "\n".join(
        [
            "[claims]",
            '# A value, and a derivative (write it "dE/dw1" or "∂E/∂w1"); any key may end',
            '# in a note: "dE/dw1 (through n3 only)". The numbers are the placeholders\' own.',
            f"# {out} = {_shown(point.value(out))}",
            f'# "d{loss_name}/d{first}" = {_shown(gradient)}',
            "",
            "[claims.updated]",
            "# A parameter after one gradient-descent step (uses [train] learning_rate).",
            f"# {first} = {_shown(step)}",
            "",
            "[formulas]",
            "# A derivative as the document writes it, as an expression of the names above.",
            *(f"# {formula}" for formula in formulas),
        ]
    )


def _shown(value: float) -> str:
    """`value` to 4 significant digits, without an exponent."""
    if value == 0 or not math.isfinite(value):
        return "0"
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def _file_text(
    sizes: tuple[int, ...],
    hidden: str,
    output: str,
    loss: str,
    names: str,
    draft: _Draft,
    examples: str,
) -> str:
    """The whole file: the header comment, the tables, and the claim examples."""
    shape = "-".join(map(str, sizes))
    command = (
        f"chaingrad new --sizes {shape} --hidden {hidden} --output {output} --loss {loss} "
        f"--names {names}"
    )
    lines = [
        f"# Written by: {command}",
        "# 1. Replace every number marked '# placeholder' with the document's own, with the",
        "#    digits it shows (0.0850, not 0.085): claims are judged by those digits.",
        "# 2. Uncomment the claims the document makes and type its numbers (examples below).",
        "# 3. Run: chaingrad verify THIS_FILE   (the format: chaingrad help casefile)",
        f'title = "A {shape} network: {hidden} hidden units, {output} outputs, {loss}"',
        "",
        "[inputs]",
        *draft.inputs,
        "",
        "[parameters]",
        *draft.parameters,
        "",
        "[equations]",
        *draft.equations,
        "",
        "[train]",
        f'loss = "{draft.equations[-1].split(" = ")[0]}"',
        f"learning_rate = 0.5  {PLACEHOLDER}",
    ]
    return "\n".join(lines) + "\n" + (f"\n{examples}\n" if examples else "")


def new_command(
    sizes: str,
    hidden: str,
    output: str,
    loss: str,
    *,
    names: str = "numbered",
    out: Path | None = None,
) -> int:
    """``chaingrad new``: print the starter case file, or write it to `out` (never over an
    existing file)."""
    text = starter_case_file(parse_sizes(sizes), hidden, output, loss, names)
    if out is None:
        emit(text.rstrip("\n"))
        return 0
    if out.exists():
        raise UsageError(f"--out {out}: the file exists; choose another name or remove it")
    try:
        write_atomically(out, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write it ({error.strerror or error})") from None
    emit(f"written: {out}\nnext: type the document's numbers, then: chaingrad verify {out}")
    return 0


def add_new_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``chaingrad new``'s arguments to `parser` (pass them on to `new_command`)."""
    parser.description = (
        "Write a starter case file for a network: every input, parameter and equation in "
        "place with placeholder numbers, and commented-out examples of each kind of claim. "
        "It verifies and draws as written."
    )
    parser.add_argument(
        "--sizes",
        required=True,
        metavar="N-N-N",
        help=f"the inputs, then each layer's width: 2-2-1 (required; up to {MAX_LAYERS} "
        f"layers of up to {MAX_WIDTH} units; no default)",
    )
    parser.add_argument(
        "--hidden", choices=HIDDEN, default="sigmoid", help="hidden activation (default: sigmoid)"
    )
    parser.add_argument(
        "--output", choices=OUTPUTS, default="sigmoid", help="output activation (default: sigmoid)"
    )
    parser.add_argument(
        "--loss", choices=LOSSES, default="half_squared_error", help="(default: half_squared_error)"
    )
    parser.add_argument(
        "--names",
        choices=tuple(NAMING_SCHEMES),
        default="numbered",
        help="numbered: w1, b1, net_n3, out_n3 (seed 001); indexed: w1_21, h1, o1 (seed 000) "
        "(default: numbered)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the file here, never over an existing one (default: print it)",
    )
