"""Make the test font: DejaVu Sans (Debian fonts-dejavu-core) cut down to Latin, renamed.

Run once with `.venv/bin/python tests/fonts/make_test_font.py`; the output is committed. The
Bitstream Vera licence (LICENSE.txt here) allows modified copies under a new name without
"Bitstream" or "Vera"; the subset is renamed "Cobrand Test Sans".
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/dejavu")
HERE = Path(__file__).resolve().parent
FAMILY = "Cobrand Test Sans"
# Basic Latin, Latin-1, Latin Extended-A/B, general punctuation (… – ’ ·) and currency signs.
UNICODES = [*range(0x20, 0x250), *range(0x2000, 0x2070), *range(0x20A0, 0x20C0)]


def make(source: str, style: str) -> None:
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    font = TTFont(SOURCE / source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    full = f"{FAMILY} {style}" if style != "Regular" else FAMILY
    postscript = f"{FAMILY.replace(' ', '')}-{style}"
    for record in font["name"].names:
        value = {1: FAMILY, 2: style, 3: f"{postscript};subset", 4: full, 6: postscript}.get(record.nameID)
        if value is not None:
            record.string = value
    font.save(HERE / f"TestSans-{style}.ttf")


if __name__ == "__main__":
    make("DejaVuSans.ttf", "Regular")
    make("DejaVuSans-Bold.ttf", "Bold")
