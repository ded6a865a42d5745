"""The NumPy baseline on the OWASP workload (tests/bench/method_owasp.lua):
the same ratings built with vectorised integer arithmetic, then scored
column-wise: sums of the likelihood and impact factors compared against
8 x 3, 8 x 6 (4 x 3, 4 x 6 for impact, so the means band exactly), the
business impact where known, the severity matrix by fancy indexing, and
the two acceptance criteria. Prints "risks=N seconds=S" (the fastest of
10 passes) and the digest.
    /usr/bin/python3 tests/bench/method_numpy.py N
"""
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000000
k = np.arange(n, dtype=np.uint64)
cols = []
for f in range(16):
    h = (k * np.uint64(2654435761) + np.uint64(f * 2654404609)) % np.uint64(2**32)
    cols.append(((h // np.uint64(2048)) % np.uint64(10) + np.uint64(1)).astype(np.uint8))
unknown = ((k * np.uint64(2246822519)) % np.uint64(2**32) // np.uint64(8192)) % np.uint64(8) == 0
for f in range(12, 16):
    cols[f][unknown] = 11
ob = ((k * np.uint64(31)) % np.uint64(8)).astype(np.uint8)
ratings = np.stack(cols)  # 16 x n positions

severity = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5]], dtype=np.int16)

REPS = 10  # the fastest of 10 passes, as the engine (method_owasp.lua)
seconds = float("inf")
for _ in range(REPS):
    t0 = time.perf_counter()
    values = ratings.astype(np.int16) - 1
    lsum = values[0:8].sum(axis=0)
    lband = (lsum >= 24).astype(np.int16) + (lsum >= 48)
    known = (ratings[12:16] != 11).all(axis=0)
    isum = np.where(known, values[12:16].sum(axis=0), values[8:12].sum(axis=0))
    iband = (isum >= 12).astype(np.int16) + (isum >= 24)
    rank = severity[iband, lband]
    acceptable = (rank <= 2) & ((ob == 0) | (rank <= 1))
    seconds = min(seconds, time.perf_counter() - t0)

print("risks=%d seconds=%.6f" % (n, seconds))
levels = np.bincount(rank, minlength=6)[1:6]
check = int((rank.astype(np.int64) * (np.arange(n, dtype=np.int64) % 1000)).sum())
print("levels=%s acceptable=%d check=%d" % (",".join(str(int(x)) for x in levels),
                                             int(acceptable.sum()), check))
