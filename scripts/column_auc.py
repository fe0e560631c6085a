#!/usr/bin/env python3
"""ROC AUC (Mann-Whitney, ties half) with a 95% percentile-bootstrap interval (1,000 resamples, seed 42) of one
numeric column of a labels CSV written by `deepmerge-train reobserve` (objectId,sourceId,label,asymmetry), e.g. the
rotational asymmetry of the re-observed stamps: the classical baseline on the very same stamps the model scores.

usage: scripts/column_auc.py LABELS.csv [COLUMN]   (default column: asymmetry)
"""
import csv
import random
import sys


def auc(scores, labels):
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    if not pos or not neg:
        return float("nan")
    u = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return u / (len(pos) * len(neg))


def main():
    path = sys.argv[1]
    column = sys.argv[2] if len(sys.argv) > 2 else "asymmetry"
    rows = list(csv.DictReader(open(path, newline="")))
    y = [int(r["label"]) for r in rows]
    s = [float(r[column]) for r in rows]
    rng = random.Random(42)
    boots = []
    for _ in range(1000):
        idx = [rng.randrange(len(y)) for _ in y]
        a = auc([s[i] for i in idx], [y[i] for i in idx])
        if a == a:
            boots.append(a)
    boots.sort()
    lo = boots[int(0.025 * len(boots))]
    hi = boots[int(0.975 * len(boots)) - 1]
    print(f"{path}: {column} ROC AUC {auc(s, y):.3f} [{lo:.3f}, {hi:.3f}] on {len(y)} stamps ({sum(y)} mergers)")


if __name__ == "__main__":
    main()
