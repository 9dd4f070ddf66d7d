"""What the character wears besides her clothes, each drawn as the object it is.

An orange-fruit hair clip is a round orange with a leaf, a bow is a bow, a Santa hat is a red
cone with a white brim and pompom. Coordinates are in units of the character (``Pose.u``) from
the top of her head, x from the middle of her body.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import ImageDraw

from session_tui.providers.offline_scenes import fruit, shade
from session_tui.providers.offline_words import RGB, Look

OUTLINE: RGB = (40, 35, 35)
FUR: RGB = (250, 250, 250)


@dataclass(frozen=True)
class Pose:
    """Where the character stands: her middle, the top of her head, her unit and her arm swing."""

    cx: float
    top: float
    u: float
    swing: float

    def at(self, x: float, y: float) -> tuple[float, float]:
        return self.cx + x * self.u, self.top + y * self.u

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (*self.at(x0, y0), *self.at(x1, y1))

    def hand(self, side: int) -> tuple[float, float]:
        """The middle of a hand: side -1 is the picture's left, 1 its right."""
        return self.at(side * 19, 38.5 + side * self.swing)

    @property
    def line(self) -> int:
        return max(1, int(self.u * 0.5))


def draw_behind(d: ImageDraw.ImageDraw, look: Look, p: Pose) -> None:
    """What is seen behind the body."""
    if "backpack" in look.accessories:
        d.rounded_rectangle(
            p.box(-13, 24, 13, 44), radius=3 * p.u, fill=look.accessories["backpack"], outline=OUTLINE
        )


def draw_apron(d: ImageDraw.ImageDraw, look: Look, p: Pose) -> None:
    """Over the hoodie and skirt, under the arms: a bib, straps round the neck and a pocket."""
    colour = look.accessories.get("apron")
    if colour is None:
        return
    d.line([p.at(-5, 27), p.at(-3, 21)], fill=colour, width=p.line)
    d.line([p.at(5, 27), p.at(3, 21)], fill=colour, width=p.line)
    d.rounded_rectangle(p.box(-7, 26, 7, 40), radius=1.5 * p.u, fill=colour, outline=OUTLINE, width=p.line)
    d.polygon([p.at(-9, 39), p.at(9, 39), p.at(11, 54), p.at(-11, 54)], fill=colour, outline=OUTLINE)
    d.rectangle(p.box(-4, 44, 4, 49), outline=shade(colour, 0.75), width=p.line)


def draw_worn(d: ImageDraw.ImageDraw, look: Look, p: Pose) -> None:
    """Accessories over the head and face, drawn after them."""
    acc = look.accessories
    lw = p.line
    if "glasses" in acc:
        for side in (-1, 1):
            d.ellipse(p.box(side * 4.5 - 3.2, 9.8, side * 4.5 + 3.2, 16.5), outline=acc["glasses"], width=lw)
        d.line([p.at(-1.3, 13), p.at(1.3, 13)], fill=acc["glasses"], width=lw)
    if "scarf" in acc:
        d.rounded_rectangle(p.box(-10, 20, 10, 25), radius=2 * p.u, fill=acc["scarf"], outline=OUTLINE)
        d.rectangle(p.box(4, 23, 8, 33), fill=acc["scarf"], outline=OUTLINE)
    if "hat" in acc:
        d.rectangle(p.box(-13, -2, 13, 1), fill=acc["hat"], outline=OUTLINE)
        d.rounded_rectangle(p.box(-9, -10, 9, -1), radius=2 * p.u, fill=acc["hat"], outline=OUTLINE)
    if "santa_hat" in acc:
        red = acc["santa_hat"]
        d.polygon(
            [p.at(-11, 2), p.at(11, 2), p.at(7, -9), p.at(15, -6), p.at(2, -14)], fill=red, outline=OUTLINE
        )
        d.rounded_rectangle(p.box(-12.5, -0.5, 12.5, 4.5), radius=2 * p.u, fill=FUR, outline=OUTLINE)
        d.ellipse(p.box(13, -9, 18.5, -3.5), fill=FUR, outline=OUTLINE)
    side = 12 if look.hair_style == "pigtails" else 8  # hair ornaments sit above the right ear
    if "bow" in acc:
        for wing in (-4, 4):
            d.polygon(
                [p.at(side + wing, 1), p.at(side, 3.5), p.at(side + wing, 6)],
                fill=acc["bow"],
                outline=OUTLINE,
            )
    if "clip" in acc:
        d.rounded_rectangle(p.box(side - 4, 2.5, side + 4, 5), radius=p.u, fill=acc["clip"], outline=OUTLINE)
    if "fruit_clip" in acc:
        fruit(d, *p.at(side, 4), 3.6 * p.u, acc["fruit_clip"])
