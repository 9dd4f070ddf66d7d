"""Fitting and checking the score's weights: logistic regression and leave-subjects-out validation.

Used by ``benchmarks/score_real.py``, never when a picture is scored. numpy only.

Leave-subjects-out: subjects are dealt into folds; a pair (reference of subject A, photo of
subject B) is scored by a model fitted on pairs whose subjects are in neither A's nor B's fold, so
no figure comes from a subject the weights saw. All out-of-fold scores are pooled into one ROC
AUC, and the deal is repeated with several seeds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from session_tui.scoring.features import Features


@dataclass(frozen=True)
class Pair:
    """One (reference, picture) pair and its parts."""

    reference: str  # subject of the reference
    subject: str  # subject of the picture
    parts: dict[str, float]

    @property
    def same(self) -> bool:
        return self.reference == self.subject


def fit_logistic(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, nonnegative: bool = True, rounds: int = 60
) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression (Newton's method), both classes weighed equally.

    With ``nonnegative``, a column whose weight comes out negative is dropped (weight 0) and the
    rest fitted again, until none is: an active-set fit for non-negative weights.
    """
    n, d = x.shape
    active = list(range(d))
    class_weight = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    while True:
        xb = np.hstack([x[:, active], np.ones((n, 1))])
        w = np.zeros(len(active) + 1)
        penalty = np.diag([l2] * len(active) + [0.0]) / n
        for _ in range(rounds):
            p = 1 / (1 + np.exp(-np.clip(xb @ w, -50, 50)))
            gradient = xb.T @ (class_weight * (p - y)) / n + penalty @ w
            hessian = (xb.T * (class_weight * p * (1 - p))) @ xb / n + penalty + 1e-9 * np.eye(len(w))
            step = np.linalg.solve(hessian, gradient)
            w -= step
            if np.abs(step).max() < 1e-10:
                break
        negative = [i for i, v in zip(active, w[:-1], strict=True) if v < 0]
        if not nonnegative or not negative:
            full = np.zeros(d)
            full[active] = w[:-1]
            return full, float(w[-1])
        worst = min(negative, key=lambda i: w[active.index(i)])
        active.remove(worst)


def design(pairs: Sequence[Pair], parts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[p.parts[k] for k in parts] for p in pairs])
    y = np.array([1.0 if p.same else 0.0 for p in pairs])
    return x, y


def deal(subjects: Sequence[str], folds: int, seed: int) -> dict[str, int]:
    """Subjects dealt into ``folds`` folds at random (reproducibly: ``seed``)."""
    order = sorted(subjects)
    random.Random(seed).shuffle(order)
    return {s: i % folds for i, s in enumerate(order)}


def out_of_fold(
    pairs: Sequence[Pair], parts: Sequence[str], fold: dict[str, int], *, l2: float = 1.0
) -> np.ndarray:
    """Each pair's log-odds from a model fitted without its reference's and its picture's folds."""
    x, y = design(pairs, parts)
    keys = [frozenset({fold[p.reference], fold[p.subject]}) for p in pairs]
    z = np.zeros(len(pairs))
    for key in set(keys):
        train = [
            i for i, p in enumerate(pairs) if fold[p.reference] not in key and fold[p.subject] not in key
        ]
        w, b = fit_logistic(x[train], y[train], l2=l2)
        rows = [i for i, k in enumerate(keys) if k == key]
        z[rows] = x[rows] @ w + b
    return z


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Mann–Whitney estimate of ROC AUC; ties count half."""
    pos, neg = np.asarray(positives, dtype=float), np.asarray(negatives, dtype=float)
    if not len(pos) or not len(neg):
        raise ValueError("ROC AUC needs at least one score in each group.")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def thresholds(same: Sequence[float], different: Sequence[float], rate: float) -> tuple[int, int]:
    """(different_below, consistent_from) on totals: each keeps its error at most ``rate``.

    ``consistent_from`` is the lowest total that at most ``rate`` of different-subject pairs reach;
    ``different_below`` the highest total that at most ``rate`` of same-subject pairs fall under.
    """
    same_a, diff_a = np.asarray(same), np.asarray(different)
    consistent_from = next(t for t in range(0, 102) if (diff_a >= t).mean() <= rate)
    different_below = max(t for t in range(0, 102) if (same_a < t).mean() <= rate)
    return min(different_below, consistent_from), consistent_from


def derived_palette(features: Features, size: int = 3) -> list[str]:
    """The ``size`` main colours of a character region (weighted k-means in CIELAB), as hex.

    Stands in for a spec's palette when fitting on photos, which have none.
    """
    from session_tui.scoring.pixels import lab_to_hex

    labs = np.array([lab for lab, _ in features.colours])
    shares = np.array([share for _, share in features.colours])
    if len(labs) <= size:
        return [lab_to_hex(c) for c in labs]
    order = np.argsort(-shares, kind="stable")
    centres = labs[order[:size]].copy()
    for _ in range(10):
        nearest = ((labs[:, None] - centres[None]) ** 2).sum(-1).argmin(1)
        for k in range(size):
            m = nearest == k
            if shares[m].sum() > 0:
                centres[k] = (labs[m] * shares[m, None]).sum(0) / shares[m].sum()
    return [lab_to_hex(c) for c in centres]
