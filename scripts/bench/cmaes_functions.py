"""pycma on the problems of examples/cmaes_functions.rs (same start, step,
target and evaluation cap): evaluations to reach f < 1e-8 per seed, as CSV.
Usage: python cmaes_functions.py [SEEDS]"""
import sys

import cma
import numpy as np

DIM, TARGET, MAX_EVALS = 10, 1e-8, 100_000


def sphere(x):
    return float(np.sum(np.asarray(x) ** 2))


def ellipsoid(x):
    x = np.asarray(x)
    n = len(x)
    return float(np.sum(10 ** (6 * np.arange(n) / (n - 1)) * x ** 2))


def rosenbrock(x):
    x = np.asarray(x)
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
print("function,seed,evals,reached")
for name, f, x0, sigma in [("sphere", sphere, 3.0, 1.0), ("ellipsoid", ellipsoid, 3.0, 1.0),
                           ("rosenbrock", rosenbrock, 0.0, 0.5)]:
    for seed in range(1, seeds + 1):
        es = cma.CMAEvolutionStrategy(DIM * [x0], sigma, {
            "ftarget": TARGET, "maxfevals": MAX_EVALS, "seed": seed, "verbose": -9,
            "tolfun": 1e-15, "tolfunhist": 1e-15})
        es.optimize(f)
        print(f"{name},{seed},{es.result.evaluations},{es.result.fbest < TARGET}".replace("True", "true").replace("False", "false"))
