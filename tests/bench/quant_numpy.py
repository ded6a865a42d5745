#!/usr/bin/python3
"""Quantitative bench baseline (issue #17): the same two models, vectorised
NumPy, in chunks of iterations so memory stays bounded.

    /usr/bin/python3 tests/bench/quant_numpy.py A|B N ITERATIONS

Model A: K ~ Poisson(lam_i) per risk and year (one array of counts per
chunk), then every event's lognormal loss at once (np.repeat of the
risks' mu and sigma by their counts) summed into its year with
np.bincount. Model B: LEF and LM as PERT (beta scaled, gamma 4) arrays of
risks x chunk, their product summed over the risks. Prints the same line
as quant_models.lua.
"""
import sys
import time

import numpy as np

Z90 = 1.6448536269514722
CHUNK = 2000


def main():
    which, n, years = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    i = np.arange(n)
    lam = 0.05 * (1 + i % 20)
    low = 10000.0 * (1 + i % 10)
    high = low * (10 + 5 * (i % 7))
    rng = np.random.default_rng(2026)
    total = np.empty(years)
    t0 = time.perf_counter()
    if which == "A":
        mu = (np.log(low) + np.log(high)) / 2
        sigma = (np.log(high) - np.log(low)) / (2 * Z90)
        exact = float(np.sum(lam * np.exp(mu + sigma ** 2 / 2)))
        for c0 in range(0, years, CHUNK):
            c = min(CHUNK, years - c0)
            k = rng.poisson(lam[:, None], size=(n, c)).ravel()
            mus = np.repeat(np.broadcast_to(mu[:, None], (n, c)).ravel(), k)
            sds = np.repeat(np.broadcast_to(sigma[:, None], (n, c)).ravel(), k)
            year = np.repeat(np.broadcast_to(np.arange(c)[None, :], (n, c)).ravel(), k)
            loss = np.exp(mus + sds * rng.standard_normal(mus.size))
            total[c0:c0 + c] = np.bincount(year, weights=loss, minlength=c)
    else:
        g = 4.0

        def pert(a, m, b, c):
            al = 1 + g * (m - a) / (b - a)
            be = 1 + g * (b - m) / (b - a)
            return a[:, None] + (b - a)[:, None] * rng.beta(al[:, None], be[:, None], size=(n, c))

        exact = float(np.sum((0.25 * lam + 4 * lam + 3 * lam) / 6 * (low + 12 * low + high) / 6))
        for c0 in range(0, years, CHUNK):
            c = min(CHUNK, years - c0)
            lef = pert(0.25 * lam, lam, 3 * lam, c)
            lm = pert(low, 3 * low, high, c)
            total[c0:c0 + c] = (lef * lm).sum(axis=0)
    dt = time.perf_counter() - t0
    sd = float(total.std(ddof=1))
    print("%s %d %d %.3f %.2f %.2f %.2f %.2f" % (which, n, years, dt, total.mean(), sd,
                                                 sd / years ** 0.5, exact))


if __name__ == "__main__":
    main()
