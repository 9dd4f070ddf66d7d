"""The learned constants of the score: part weights, part means and verdict thresholds.

Fitted by ``python benchmarks/score_real.py ../shared/datasets/dreambench-train --fit`` on the 15
training subjects of DreamBench (photo 00.jpg of each subject the reference, its other photos
same-subject pairs, every other subject's photos different-subject pairs: 66 and 924 pairs), with
``fit.fit_logistic``: logistic regression, the two classes weighed equally, L2 penalty 1.0, no
negative weights (a part more alike never lowers the score). The palette was fitted with a palette
made from each reference (``fit.derived_palette``: its three main colours), as the photos have no
spec. The script prints this block; docs/SCORING.md has the figures it gives by cross-validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Model:
    """total = 100 / (1 + exp(-(bias + Σ weight × part)))."""

    weights: MappingProxyType[str, float]
    bias: float


# --- fitted: begin (pasted from `benchmarks/score_real.py --fit`) ---
MODELS = MappingProxyType(
    {
        "references": Model(
            MappingProxyType({"colour": 6.171, "hue": 2.634, "texture": 0.941, "structure": 2.186}), -7.410
        ),
        "references+palette": Model(
            MappingProxyType(
                {"colour": 5.890, "hue": 2.382, "texture": 0.893, "structure": 2.182, "palette": 0.635}
            ),
            -7.491,
        ),
        "palette": Model(MappingProxyType({"palette": 4.923}), -3.091),
    }
)
# Mean of each part over same-subject and over different-subject pairs: the driver of a verdict is
# the part furthest from the mean of the side it was not put on ("shape" is reported, not weighed).
PART_MEANS = MappingProxyType(
    {
        "colour": (0.693, 0.216),
        "hue": (0.818, 0.425),
        "texture": (0.982, 0.947),
        "structure": (0.983, 0.956),
        "palette": (0.825, 0.383),
        "shape": (0.725, 0.681),
    }
)
# total >= CONSISTENT_FROM: consistent; total < DIFFERENT_BELOW: different; between: drifting.
# Each calibrated so that 10 % of the out-of-fold pairs at most fall on its wrong side.
CONSISTENT_FROM = 61
DIFFERENT_BELOW = 35
# --- fitted: end ---
