#!/usr/bin/python3
"""Risk-scoring baseline: the vectorised NumPy path.

    /usr/bin/python3 tests/bench/risks_numpy.py SPEC.json

Generates and scores all N*T risks as whole arrays (uint64/int64
arithmetic), finds levels with a lookup table (product) or the matrix
(matrix), evaluates the acceptance rules as boolean masks and selects the
top 100 with argpartition + a small sort. The workload, the digest and the
output format are defined in tests/bench/risks-spec.md; risks_perrow.lua
must print the same digest line.
"""
import json
import sys
import time

import numpy as np

MULT = 2654435761
UNIT = 1_000_000  # scores are in millionths
TOP = 100
LUT_MAX = 1 << 24  # largest product of tiers scored through a lookup table
I64_MAX = (1 << 63) - 1


def die(msg):
    sys.stderr.write(f"risks_numpy: {msg}\n")
    sys.exit(2)


def is_int(x, lo, hi=None):
    return (isinstance(x, int) and not isinstance(x, bool)
            and x >= lo and (hi is None or x <= hi))


def check_keys(obj, allowed, where):
    for key in obj:
        if key not in allowed:
            die(f"{where}: unknown key {key}")


def load_spec(path):
    try:
        with open(path, "rb") as fh:
            spec = json.load(fh)
    except (OSError, ValueError) as err:
        die(f"{path}: {err}")
    if not isinstance(spec, dict):
        die(f"{path}: not a JSON object")
    check_keys(spec, {"assets", "threats", "factors", "combine", "matrix",
                      "levels", "rules"}, "spec")
    n, t = spec.get("assets"), spec.get("threats")
    if not is_int(n, 1):
        die("assets: want an integer >= 1")
    if not is_int(t, 1):
        die("threats: want an integer >= 1")

    factors = spec.get("factors")
    if not isinstance(factors, list) or not factors:
        die("factors: want a non-empty array")
    tiers, place, prod = [], [], 1
    for f, fac in enumerate(factors, 1):
        if not isinstance(fac, dict):
            die(f"factors[{f}]: want an object")
        check_keys(fac, {"name", "tiers"}, f"factors[{f}]")
        if not isinstance(fac.get("name"), str):
            die(f"factors[{f}].name: want a string")
        if not is_int(fac.get("tiers"), 1):
            die(f"factors[{f}].tiers: want an integer >= 1")
        tiers.append(fac["tiers"])
        place.append(prod)
        prod *= fac["tiers"]
        if prod >= 1 << 32:
            die("product of tiers must be below 2^32")

    levels = spec.get("levels")
    if not isinstance(levels, list) or not levels:
        die("levels: want a non-empty array")
    nlev = len(levels)
    combine = spec.get("combine")
    lo, hi, matrix = [], [], None
    for r, lev in enumerate(levels, 1):
        if not isinstance(lev, dict):
            die(f"levels[{r}]: want an object")
        check_keys(lev, {"name", "lo", "hi"}, f"levels[{r}]")
        if not isinstance(lev.get("name"), str):
            die(f"levels[{r}].name: want a string")
    if combine == "product":
        if "matrix" in spec:
            die('matrix: only with combine = "matrix"')
        for r, lev in enumerate(levels, 1):
            if not is_int(lev.get("lo"), 0, (1 << 53) - 1):
                die(f"levels[{r}].lo: want an integer >= 0")
            if not is_int(lev.get("hi"), 0, (1 << 53) - 1):
                die(f"levels[{r}].hi: want an integer >= 0")
            lo.append(lev["lo"])
            hi.append(lev["hi"])
        max_score = prod * UNIT
    elif combine == "matrix":
        if len(factors) != 2:
            die('combine = "matrix" needs exactly 2 factors')
        matrix = spec.get("matrix")
        if not isinstance(matrix, list) or len(matrix) != tiers[0]:
            die(f"matrix: want {tiers[0]} rows (tiers of factor 1)")
        for r, row in enumerate(matrix, 1):
            if not isinstance(row, list) or len(row) != tiers[1]:
                die(f"matrix[{r}]: want {tiers[1]} cells (tiers of factor 2)")
            for c, cell in enumerate(row, 1):
                if not is_int(cell, 1, nlev):
                    die(f"matrix[{r}][{c}]: want a level rank 1..{nlev}")
        max_score = nlev * UNIT
    else:
        die('combine: want "product" or "matrix"')
    if n * t > 1 << 32:
        die("assets*threats must be at most 2^32")
    if n * t * max_score > I64_MAX:
        die("score sum could exceed int64")

    rules = spec.get("rules")
    if not isinstance(rules, list):
        die("rules: want an array")
    out_rules = []
    for x, rule in enumerate(rules, 1):
        where = f"rules[{x}]"
        if not isinstance(rule, dict):
            die(f"{where}: want an object")
        check_keys(rule, {"when_class", "when_obligations", "max_rank",
                          "max_score"}, where)
        r = {}
        if "when_class" in rule:
            wc = rule["when_class"]
            if not isinstance(wc, list) or not all(is_int(c, 0, 2) for c in wc):
                die(f"{where}.when_class: want an array of class indices 0..2")
            r["classes"] = sorted(set(wc))
        if "when_obligations" in rule:
            if not is_int(rule["when_obligations"], 0, 7):
                die(f"{where}.when_obligations: want a mask 0..7")
            r["obligations"] = rule["when_obligations"]
        if "max_rank" in rule:
            if not is_int(rule["max_rank"], 0):
                die(f"{where}.max_rank: want an integer >= 0")
            r["max_rank"] = rule["max_rank"]
        if "max_score" in rule:
            if not is_int(rule["max_score"], 0, (1 << 53) - 1):
                die(f"{where}.max_score: want an integer >= 0 (millionths)")
            r["max_score"] = rule["max_score"]
        out_rules.append(r)

    return dict(n=n, t=t, tiers=tiers, place=place, prod=prod,
                combine=combine, matrix=matrix, nlev=nlev, lo=lo, hi=hi,
                max_score=max_score, rules=out_rules)


def level_of_bands(score, lo, hi, out_dtype):
    """Rank of the first band [lo, hi] containing each score, 0 if none."""
    rank = np.zeros(score.shape, dtype=out_dtype)
    for r in range(len(lo), 0, -1):  # last to first: earlier bands win
        rank[(score >= lo[r - 1]) & (score <= hi[r - 1])] = r
    return rank


def run(s, force_slow=False):
    n, t, tiers, place, nlev = s["n"], s["t"], s["tiers"], s["place"], s["nlev"]
    total = n * t

    # --- generate
    # h = k*2654435761 mod 2^32: uint32 multiplication wraps mod 2^32, and
    # the result only depends on k mod 2^32.
    h = np.arange(total, dtype=np.uint32) * np.uint32(MULT)
    ratings = [(h // np.uint32(p)) % np.uint32(tr) + np.uint32(1)
               for p, tr in zip(place, tiers)]                  # uint32 each
    del h
    i = np.arange(n, dtype=np.int64)
    j = np.arange(t, dtype=np.int64)
    cls = np.repeat(((i * 7) % 3).astype(np.uint8), t)           # per risk
    # ob = (i*31 + j*17) mod 8 = ((i*31 mod 8) + (j*17 mod 8)) mod 8
    ob = ((((i * 31) % 8).astype(np.uint8)[:, None]
           + ((j * 17) % 8).astype(np.uint8)[None, :]) & np.uint8(7)).ravel()

    # --- score and level
    if s["combine"] == "product":
        prod = ratings[0].astype(np.int64)
        for rt in ratings[1:]:
            prod *= rt
        score = prod * UNIT
        if s["prod"] <= LUT_MAX and not force_slow:
            values = np.arange(s["prod"] + 1, dtype=np.int64) * UNIT
            lut = level_of_bands(values, s["lo"], s["hi"], np.int64)
            rank = lut[prod]
        else:
            rank = level_of_bands(score, s["lo"], s["hi"], np.int64)
        del prod
    else:
        flat = np.asarray(s["matrix"], dtype=np.int64).ravel()
        cell = (ratings[0] - np.uint32(1)) * np.uint32(tiers[1]) + (ratings[1] - np.uint32(1))
        rank = flat[cell]
        score = rank * UNIT
        del cell
    del ratings

    # --- acceptance
    applied = np.zeros(total, dtype=bool)
    failed = np.zeros(total, dtype=bool)
    for r in s["rules"]:
        applies = np.ones(total, dtype=bool)
        if "classes" in r:
            cls_ok = np.zeros(3, dtype=bool)
            cls_ok[r["classes"]] = True
            applies &= cls_ok[cls]
        if "obligations" in r:
            applies &= (ob & r["obligations"]) != 0
        applied |= applies
        holds = np.ones(total, dtype=bool)
        if "max_rank" in r:
            holds &= rank <= r["max_rank"]
        if "max_score" in r:
            holds &= score <= r["max_score"]
        failed |= applies & ~holds
    acceptable = int(np.count_nonzero(applied & ~failed))

    # --- top 100: rank desc, score desc, popcount(ob) desc, k asc
    pc = np.array([0, 1, 1, 2, 1, 2, 2, 3], dtype=np.int64)[ob]
    m = min(TOP, total)
    if (nlev + 1) * (s["max_score"] + 1) * 4 <= I64_MAX and not force_slow:
        key = (rank * (s["max_score"] + 1) + score) * 4 + pc      # bigger = better
        kth = np.partition(key, total - m)[total - m]            # m-th largest key
        cand = np.flatnonzero(key >= kth)                        # ascending k
        order = np.argsort(-key[cand], kind="stable")            # ties keep k asc
        top = cand[order[:m]]
    else:
        top = np.lexsort((np.arange(total), -pc, -score, -rank))[:m]

    # --- digest aggregates
    counts = np.bincount(rank, minlength=nlev + 1)
    score_sum = int(score.sum(dtype=np.int64))
    return counts, acceptable, score_sum, top


def main():
    if len(sys.argv) < 2:
        die("usage: risks_numpy.py SPEC.json")
    s = load_spec(sys.argv[1])
    force_slow = len(sys.argv) > 2 and sys.argv[2] == "--slow-paths"  # for testing
    t0 = time.perf_counter()
    counts, acceptable, score_sum, top = run(s, force_slow)
    seconds = time.perf_counter() - t0
    total = s["n"] * s["t"]
    # both lines in one write: a reader that stops after the first line
    # (head -1) then gets no BrokenPipeError traceback
    sys.stdout.write(
        f"impl=numpy risks={total} seconds={seconds:.3f} "
        f"risks_per_s={int(total / max(seconds, 1e-9))}\n"
        "digest levels=" + ",".join(str(int(c)) for c in counts)
        + f" acceptable={acceptable} score_sum={score_sum} top="
        + ",".join(str(int(x)) for x in top) + "\n")


if __name__ == "__main__":
    main()
