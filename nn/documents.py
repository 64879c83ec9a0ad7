"""The networks of the seed documents, built as `autograd` graphs labelled in their notation."""

from __future__ import annotations

from dataclasses import dataclass

from autograd import Value


@dataclass(frozen=True)
class Check:
    """One derivative the document writes out: its formula's value next to autodiff's."""

    name: str
    formula: str
    by_formula: float
    by_autodiff: float

    @property
    def agrees(self) -> bool:
        """True when the document's formula and autodiff agree to 1e-12."""
        return abs(self.by_formula - self.by_autodiff) <= 1e-12 * max(1.0, abs(self.by_autodiff))


@dataclass(frozen=True)
class CaseResult:
    """A forward pass, backward pass and one gradient-descent step, with the numbers used."""

    title: str
    values: dict[str, float]
    loss: float
    checks: list[Check]
    updated: dict[str, float]
    learning_rate: float

    def report(self) -> str:
        """The case as text: forward values, loss, derivatives checked, updated weights."""
        lines = [self.title, ""]
        lines += ["Feedforward:"] + [f"  {k} = {v:.6f}" for k, v in self.values.items()]
        lines += ["", f"Error: J = 0.5 (o1 - t1)^2 = {self.loss:.6f}", ""]
        lines.append("Derivatives (the document's formula | autodiff):")
        for c in self.checks:
            mark = "agrees" if c.agrees else "DIFFERS"
            lines.append(
                f"  {c.name} = {c.formula} = {c.by_formula:.8f} | {c.by_autodiff:.8f}  {mark}"
            )
        lines += ["", f"Update w = w - gamma dJ/dw with gamma = {self.learning_rate}:"]
        lines += [f"  {k}: {self.values[k]:.6f} -> {v:.6f}" for k, v in self.updated.items()]
        return "\n".join(lines)


def seed000_case1(
    x1: float = 0.05,
    x2: float = 0.10,
    weights: tuple[float, float, float] = (0.35, 0.15, 0.20),
    t1: float = 0.01,
    learning_rate: float = 0.5,
) -> CaseResult:
    """Seed 000, Case 1: 2 inputs and a bias node x0 = 1, no hidden layer, one sigmoid output.

    The document gives formulas but no numbers, so the defaults are chosen here.
    Computes o1 = sigma(w0 x0 + w1 x1 + w2 x2), J = 0.5 (o1 - t1)^2, the gradient
    by backprop, the document's formulas dJ/do1 = (o1 - t1) and
    do1/dw_i = o1 (1 - o1) x_i, and one update w_i = w_i - gamma dJ/dw_i.
    """
    x = [Value(1.0, label="x0"), Value(x1, label="x1"), Value(x2, label="x2")]
    w = [Value(v, label=f"w{i}") for i, v in enumerate(weights)]
    t = Value(t1, label="t1")
    net = (w[0] * x[0] + w[1] * x[1] + w[2] * x[2]).named("net")
    o1 = net.sigmoid().named("o1")
    J = (0.5 * (o1 - t) ** 2).named("J")
    J.backward()

    o = o1.data
    dJ_do1 = o - t.data  # seed 000, Case 1: dJ/do1 = (o1 - t1)
    checks = [Check("dJ/do1", "(o1 - t1)", dJ_do1, o1.grad)]
    for i in range(3):
        do1_dwi = o * (1 - o) * x[i].data  # seed 000, Case 1: do1/dw_i = o1 (1 - o1) x_i
        checks.append(
            Check(f"dJ/dw{i}", f"(o1 - t1) o1 (1 - o1) x{i}", dJ_do1 * do1_dwi, w[i].grad)
        )
    values = {v.label: v.data for v in (*x, *w, t, net, o1)}
    updated = {wi.label: wi.data - learning_rate * wi.grad for wi in w}
    title = (
        "Seed 000 (000_f44d84cc7ed9207d.txt), Case 1: 2 inputs, 0 hidden layers, one output\n"
        "(the document gives no numbers; inputs, weights, target and gamma are chosen here)"
    )
    return CaseResult(title, values, J.data, checks, updated, learning_rate)
