"""How well the local score tells the same subject from another on real photos, by leave-subjects-out.

    python benchmarks/score_real.py ../shared/datasets/dreambench-train [--fit] [--seeds 10]

DIR holds one folder of photos per subject (DreamBench). Photo ``00.jpg`` of each subject is the
reference; the subject's other photos are same-subject pairs and every other subject's photos
(their own ``00.jpg`` left out) different-subject pairs. The ROC AUC reported is leave-subjects-out:
subjects are dealt into 5 folds and each pair is scored by weights fitted without either of its
subjects' folds (``session_tui.scoring.fit``), for several deals. It also prints each part's AUC
alone, the verdict's false-alarm and miss rates (thresholds chosen without the subjects they are
measured on), the offline-renderer figures, and the time per 1024 × 1024 picture.

``--fit`` fits the weights on every subject and prints the block to paste into
``session_tui/scoring/weights.py``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from session_tui.scoring import fit, weights
from session_tui.scoring.features import Features, image_features, open_small, small_features
from session_tui.scoring.score import (
    REFERENCE_PARTS,
    Reference,
    colour_shares,
    compute_score,
    palette_part,
    reference_parts,
)

BEFORE_REAL = 0.765  # score v2 (whole-picture histogram + hash), measured with this protocol at c7b7db7
BEFORE_OFFLINE = 0.973  # score v2 on validation.separation()
MODELS = {
    "references": REFERENCE_PARTS,
    "references+palette": (*REFERENCE_PARTS, "palette"),
    "palette": ("palette",),
}
RATE = 0.10  # the error each verdict threshold is calibrated to


def load(root: Path) -> dict[str, list[tuple[str, Features]]]:
    subjects: dict[str, list[tuple[str, Features]]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        photos = sorted(folder.glob("*.jpg"))
        if len(photos) >= 2 and photos[0].name == "00.jpg":
            subjects[folder.name] = [(p.name, image_features(p.read_bytes())) for p in photos]
    if len(subjects) < 3:
        raise SystemExit(f"{root}: expected folders of photos (00.jpg, 01.jpg, ...) for at least 3 subjects.")
    return subjects


def make_pairs(subjects: dict[str, list[tuple[str, Features]]]) -> list[fit.Pair]:
    pairs = []
    for ref_subject, photos in subjects.items():
        reference = photos[0][1]
        palette = fit.derived_palette(reference)
        for subject, theirs in subjects.items():
            for name, features in theirs:
                if name == "00.jpg":
                    continue
                parts = reference_parts(features, reference)
                parts["palette"] = palette_part(colour_shares(features, palette))
                pairs.append(fit.Pair(ref_subject, subject, parts))
    return pairs


def _part_auc(pairs: list[fit.Pair], part: str) -> float:
    same = [p.parts[part] for p in pairs if p.same]
    return fit.roc_auc(same, [p.parts[part] for p in pairs if not p.same])


def totals(z: np.ndarray) -> np.ndarray:
    return np.round(100 / (1 + np.exp(-np.clip(z, -50, 50))))


def rates(total: np.ndarray, same: np.ndarray, lo: int, hi: int) -> dict[str, float]:
    return {
        "same called different": float((total[same] < lo).mean()),
        "same not called consistent": float((total[same] < hi).mean()),
        "different called consistent": float((total[~same] >= hi).mean()),
        "different not called different": float((total[~same] >= lo).mean()),
    }


def cross_validate(pairs: list[fit.Pair], seeds: int, folds: int) -> dict[str, list[float]]:
    """LOSO AUC per model and deal, plus nested verdict rates (key ``rates``) for the references model."""
    subjects = sorted({p.reference for p in pairs})
    same = np.array([p.same for p in pairs])
    out: dict[str, list] = {name: [] for name in MODELS}
    out["rates"], out["oof"] = [], []
    for seed in range(seeds):
        fold = fit.deal(subjects, folds, seed)
        for name, parts in MODELS.items():
            z = fit.out_of_fold(pairs, parts, fold)
            out[name].append(fit.roc_auc(z[same], z[~same]))
            if name == "references":
                total = totals(z)
                out["oof"].append(total)
                # Thresholds from pairs of other folds only, measured on the pairs of this reference fold.
                for f in range(folds):
                    mine = np.array([fold[p.reference] == f for p in pairs])
                    others = np.array([fold[p.reference] != f and fold[p.subject] != f for p in pairs])
                    lo, hi = fit.thresholds(total[others & same], total[others & ~same], RATE)
                    out["rates"].append((mine.sum(), rates(total[mine], same[mine], lo, hi)))
    return out


def speed() -> dict[str, float]:
    """Milliseconds per 1024 × 1024 picture: decoding, and features + score from the decoded picture."""
    from PIL import Image

    from session_tui.engine.score_validation import LITTLE_ORANGE, _draw
    from session_tui.media.images import small_copy

    drawn = _draw(LITTLE_ORANGE, "in the park", 5)
    reference = Reference("front", image_features(_draw(LITTLE_ORANGE, "standing, full body", 1)))
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    timings: dict[str, list[float]] = {"decode": [], "features+score": []}
    for data in [drawn, out.getvalue()] * 10:
        start = time.perf_counter()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            small = small_copy(img)
        middle = time.perf_counter()
        compute_score(
            small_features(small), [reference], LITTLE_ORANGE.palette, keep_rules=LITTLE_ORANGE.keep
        )
        timings["decode"].append(middle - start)
        timings["features+score"].append(time.perf_counter() - middle)
    open_small(drawn)  # the engine's own decoding path, for completeness
    return {k: 1000 * statistics.median(v) for k, v in timings.items()}


def fitted_block(pairs: list[fit.Pair], oof: list[np.ndarray]) -> str:
    same = np.array([p.same for p in pairs])
    lines = ["MODELS = MappingProxyType({"]
    for name, parts in MODELS.items():
        x, y = fit.design(pairs, parts)
        w, b = fit.fit_logistic(x, y)
        ws = ", ".join(f'"{k}": {v:.3f}' for k, v in zip(parts, w, strict=True))
        lines.append(f'    "{name}": Model(MappingProxyType({{{ws}}}), {b:.3f}),')
    lines.append("})")
    means = ", ".join(
        f'"{k}": ({np.mean([p.parts[k] for p in pairs if p.same]):.3f}, '
        f"{np.mean([p.parts[k] for p in pairs if not p.same]):.3f})"
        for k in (*MODELS["references+palette"], "shape")
    )
    lines.append(f"PART_MEANS = MappingProxyType({{{means}}})")
    pooled = np.concatenate(oof)
    lo, hi = fit.thresholds(pooled[np.tile(same, len(oof))], pooled[~np.tile(same, len(oof))], RATE)
    lines += [f"CONSISTENT_FROM = {hi}", f"DIFFERENT_BELOW = {lo}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--fit", action="store_true", help="print the fitted constants for weights.py")
    parser.add_argument("--seeds", type=int, default=10, help="deals of subjects into folds (default 10)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-offline", action="store_true", help="skip the offline-renderer figures")
    args = parser.parse_args(argv)

    subjects = load(args.dir)
    pairs = make_pairs(subjects)
    same = np.array([p.same for p in pairs])
    print(f"{len(subjects)} subjects, {same.sum()} same-subject and {(~same).sum()} different-subject pairs")
    result = cross_validate(pairs, args.seeds, args.folds)
    for name in MODELS:
        aucs = result[name]
        print(
            f"ROC AUC, leave-subjects-out ({args.folds} folds × {args.seeds} deals), {name}: "
            f"{statistics.mean(aucs):.3f} (sd {statistics.pstdev(aucs):.3f}, lowest {min(aucs):.3f})"
        )
    print(f"before (score v2, whole picture): {BEFORE_REAL:.3f}")
    print(
        "parts alone: "
        + ", ".join(f"{k} {_part_auc(pairs, k):.3f}" for k in (*MODELS["references+palette"], "shape"))
    )
    with_constants = np.array(
        [compute_score(f, [Reference("r", r)], [])["total"] for f, r in _pair_features(subjects)]
    )
    print(
        f"ROC AUC of the shipped constants (fitted on all these subjects, so optimistic): "
        f"{fit.roc_auc(with_constants[same], with_constants[~same]):.3f}"
    )
    counts = sum(n for n, _ in result["rates"])
    print(
        f"verdicts (nested leave-subjects-out: thresholds calibrated to {RATE:.0%} each on other subjects; "
        f"shipped thresholds {weights.DIFFERENT_BELOW}/{weights.CONSISTENT_FROM}):"
    )
    for key in result["rates"][0][1]:
        value = sum(n * r[key] for n, r in result["rates"]) / counts
        print(f"  {key}: {value:.1%}")
    shipped = rates(with_constants, same, weights.DIFFERENT_BELOW, weights.CONSISTENT_FROM)
    print(
        "  with the shipped constants on all pairs: " + ", ".join(f"{k} {v:.1%}" for k, v in shipped.items())
    )

    if not args.no_offline:
        from session_tui.engine.score_validation import describe, little_orange, separation

        print(f"offline set: {describe(separation())} (before: {BEFORE_OFFLINE:.3f})")
        rows = little_orange()
        margins = [r["real"]["total"] - r["impostor"]["total"] for r in rows]
        print(
            "Little Orange vs impostor: "
            + ", ".join(f"{r['scene']} {r['real']['total']}/{r['impostor']['total']}" for r in rows)
            + f"; smallest margin {min(margins)}"
        )
    ms = speed()
    print(
        f"per 1024×1024 picture: decode + small copy {ms['decode']:.1f} ms, features + score "
        f"{ms['features+score']:.1f} ms"
    )
    print(_constants_check(pairs))
    if args.fit:
        print("\n# --- fitted: paste into session_tui/scoring/weights.py ---")
        print(fitted_block(pairs, result["oof"]))
    return 0


def _constants_check(pairs: list[fit.Pair]) -> str:
    """Whether weights.py holds what a fit on these photos gives (to 0.01)."""
    drift = []
    for name, parts in MODELS.items():
        x, y = fit.design(pairs, parts)
        w, b = fit.fit_logistic(x, y)
        shipped = weights.MODELS[name]
        fitted = dict(zip(parts, w, strict=True))
        if abs(shipped.bias - b) > 0.01 or any(abs(shipped.weights[k] - v) > 0.01 for k, v in fitted.items()):
            drift.append(name)
    if drift:
        return f"the weights in weights.py differ from this fit for {', '.join(drift)}: run with --fit"
    return "the weights in weights.py are those this fit gives"


def _pair_features(subjects: dict[str, list[tuple[str, Features]]]) -> list[tuple[Features, Features]]:
    """(picture, reference) for every pair, in the order of make_pairs."""
    out = []
    for photos in subjects.values():
        reference = photos[0][1]
        for theirs in subjects.values():
            out.extend((features, reference) for name, features in theirs if name != "00.jpg")
    return out


if __name__ == "__main__":
    sys.exit(main())
