#!/usr/bin/env python3
"""Reference correlations from scipy for test/metrics/correlation.test.ts.

Command (run from the repository root; Debian's python3-scipy 1.10.1, numpy 1.24):
    /usr/bin/python3 tools/make_correlation_fixture.py > test/fixtures/scipy-correlations.json

Cases mirror judge data: gold scores are integers 1-5 or means of three judges (k/3), predictions
are integers (standard decoding) or continuous RAIL expectations, so ties are heavy.
"""
import json
import sys

import numpy as np
import scipy
from scipy import special, stats


def case(name, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    pr = stats.pearsonr(x, y)
    sr = stats.spearmanr(x, y)
    kt = stats.kendalltau(x, y)
    return {
        "name": name,
        "x": x,
        "y": y,
        "pearson": float(pr[0]),
        "pearsonP": float(pr[1]),
        "spearman": float(sr[0]),
        "kendallTauB": float(kt[0]),
        "kendallP": float(kt[1]),
        "rmse": float(np.sqrt(np.mean((np.array(x) - np.array(y)) ** 2))),
    }


def main():
    rs = np.random.RandomState(20250306)
    cases = []
    cases.append(case("hand-4", [1, 2, 3, 4], [1, 3, 2, 4]))
    cases.append(case("n3", [1, 2, 3.5], [2, 1, 5]))
    # integer gold vs integer predictions: heavy ties
    gold = rs.randint(1, 6, size=40)
    pred = np.clip(gold + rs.randint(-1, 2, size=40), 1, 5)
    cases.append(case("int-vs-int-40", pred, gold))
    # mean of three annotators vs integer prediction
    g3 = rs.randint(1, 6, size=(60, 3)).mean(axis=1)
    p3 = np.clip(np.round(g3 + rs.normal(0, 0.8, size=60)), 1, 5)
    cases.append(case("int-vs-mean3-60", p3, g3))
    # RAIL expectations (continuous) vs mean-of-three gold, n = 320 like Vicuna Bench
    g320 = rs.randint(1, 6, size=(320, 3)).mean(axis=1)
    rail = np.clip(g320 + rs.normal(0, 1.0, size=320), 1, 5)
    cases.append(case("rail-vs-mean3-320", rail, g320))
    # no ties, n <= 33: Kendall exact p-value
    a = rs.permutation(20).astype(float)
    b = a + rs.normal(0, 6, size=20)
    cases.append(case("noties-20-exact", a, b))
    # no ties, n = 34: asymptotic p-value
    a = rs.normal(size=34)
    b = a + rs.normal(0, 2, size=34)
    cases.append(case("noties-34-asymptotic", a, b))
    # no ties, n = 50, one discordant pair: exact
    a = np.arange(50, dtype=float)
    b = a.copy()
    b[[10, 11]] = b[[11, 10]]
    cases.append(case("noties-50-one-discordant", a, b))
    # negative association with ties, n = 2000
    g = rs.randint(1, 6, size=2000)
    p = np.clip(6 - g + rs.randint(-2, 3, size=2000), 1, 5)
    cases.append(case("negative-ties-2000", p, g))
    # weak association: p-value not tiny
    g = rs.randint(1, 6, size=(100, 3)).mean(axis=1)
    p = rs.randint(1, 6, size=100)
    cases.append(case("weak-100", p, g))

    special_cases = []
    for a_, b_, x_ in [(0.5, 0.5, 0.3), (2.0, 3.0, 0.4), (49.0, 49.0, 0.45), (159.0, 159.0, 0.2), (4999.0, 4999.0, 0.49), (1.5, 20.0, 0.9)]:
        special_cases.append({"a": a_, "b": b_, "x": x_, "betainc": float(special.betainc(a_, b_, x_))})
    normal = [{"z": z, "sf": float(stats.norm.sf(z))} for z in [0.0, 0.5, 1.0, 1.959963984540054, 3.0, 6.0, 10.0, -2.0]]
    lgamma = [{"x": x_, "lgamma": float(special.gammaln(x_))} for x_ in [0.1, 0.5, 1.0, 2.5, 10.0, 171.5, 1e5]]

    json.dump({
        "command": "/usr/bin/python3 tools/make_correlation_fixture.py > test/fixtures/scipy-correlations.json",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "cases": cases,
        "betainc": special_cases,
        "normalSf": normal,
        "lgamma": lgamma,
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
