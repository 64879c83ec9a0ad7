"""The benchmark: chaingrad against micrograd, PyTorch and hand-written numpy.

    chaingrad bench [--workloads scalar,nielsen,large,deep] [--rounds 3] [--repeats 3]
                    [--warmup 1] [--threads N] [--quick] [--json]

(``python demos/bench.py`` takes the same options.) Every case (one workload on one
engine) runs in its own Python process, ``python -m chaingrad.nn.app.bench --case
WORKLOAD ENGINE``: it builds the data and the starting weights from fixed seeds with
numpy, loads the same numbers into its engine, runs ``--warmup`` untimed repeats, then
``--repeats`` timed ones, and prints one line of JSON. The parent runs ``--rounds``
rounds over the engines, rotating their order each round (interleaved, so a busy spell
on a shared machine does not land on one engine). Each row reports the **best** (the
minimum) wall time of all its timed repeats over all rounds, the median beside it and
the spread (slowest / fastest); **ratios and the targets' verdicts use the best**, since
noise on a shared machine only adds time (a single disturbed round once moved a median
7x while the best-of-repeats ratio stayed put). Median and CPU-time
(``time.process_time``, all threads) ratios are in the JSON. Every case gets the same
environment, with the BLAS and OpenMP thread variables set to ``--threads`` (default: all
cores), so "PyTorch" runs with its default thread count and "PyTorch, 1 thread" calls
``torch.set_num_threads(1)``. ``gc.collect()`` runs once before the timed repeats; the
cyclic collector stays on unless an engine's name says otherwise.

Why not pyperf (it is not a dependency): what it would bring is here already. Process
isolation: every case runs in its own process. Calibration: pyperf picks a loop count so
that a microsecond function fills a sample, but one repeat here is a whole SGD step or
epoch (milliseconds to seconds). What it would not do: interleave the engines round by
round (its worker processes for one benchmark run back to back), check that every engine
reaches the same loss, or report memory per node.

The modules: `registry` (workloads, engines, sizes and the targets, as data),
`scalar_cases`, `tensor_cases` and `deep_cases` (a case builder per engine), `cases`
(what a builder returns), `harness` (the processes and rounds), `summary` (rows, ratios,
verdicts), `table` (the text tables), `command` (the options; ``chaingrad bench``).

Workloads (issue 7): **scalar**, a 2-16-16-1 ReLU MLP over 100 two-moons points, one
micrograd-demo SGD step, on our `ScalarMLP`, ours written with binary ops the way
micrograd is, and micrograd with and without its collector during the step; **nielsen**,
a 784-30-10 sigmoid MLP with the quadratic cost, batch 10, one epoch of 10,000 synthetic
samples, float64 and float32; **large**, a 784-256-256-10 ReLU MLP, softmax
cross-entropy, batch 128, 50 SGD steps, float32; **deep**, backward through a chain of
1,000,000 scalar operations (time per node at n and n/10, memory per node). The tensor
rows: the Tensor API written out, the fused `linear()` and loss, `nn`, PyTorch CPU
eager, hand-written numpy backprop (the floor of any numpy engine) and "numpy matmuls
only" (the physical floor, with GFLOP/s beside each engine's). Loss numbers are
printed for every engine and checked to agree (1e-8 relative between float64 engines,
2e-3 when float32 is involved). Peers that are not installed are skipped with a note:
``pip install micrograd torch==2.13.0``.
"""
