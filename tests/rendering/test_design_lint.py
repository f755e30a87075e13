"""Lint for designs: every problem of a prepared bad design is reported, the sample design's is in tests/sample."""

from __future__ import annotations

from pathlib import Path

from app.rendering.lint import lint_content
from app.rendering.renderer import Renderer
from tests.factories import make_kit
from tests.support.designs import design_pdf, write

BAD_ZONES = """
[[zones]]  # 0: a logo zone too small for a legible logo
page = 1
kind = "logo"
x_mm = 20
y_mm = 20
width_mm = 8
height_mm = 6

[[zones]]  # 1: runs off the right edge of the page (and over the stripes)
page = 1
kind = "link"
x_mm = 150
y_mm = 280
width_mm = 80
height_mm = 10

[[zones]]  # 2 and 3: overlap each other, over the stripes the design left no room in
page = 1
kind = "contact"
x_mm = 20
y_mm = 150
width_mm = 60
height_mm = 20

[[zones]]
page = 1
kind = "text"
text = "Call {{ partner.name }}"
x_mm = 50
y_mm = 160
width_mm = 60
height_mm = 20
background = "#FFFFFF"

[[zones]]  # 4: the worst-case partner's name cannot fit, even at the smallest size
page = 1
kind = "name"
x_mm = 20
y_mm = 121
width_mm = 30
height_mm = 5
max_size_pt = 12
min_size_pt = 10
"""


def test_every_problem_of_a_bad_design_is_reported(tmp_path: Path, renderer: Renderer) -> None:
    folder = tmp_path / "bad-design"
    write(folder / "flyer.pdf", design_pdf(dense=True))
    (folder / "template.toml").write_text(
        f'kind = "design"\ntitle = "Bad"\nmaster = "flyer.pdf"\n{BAD_ZONES}', "utf-8"
    )
    report = lint_content([make_kit(tmp_path / "kit")], [folder], renderer)
    text = "\n".join(report.errors)
    assert "zones[0] (logo): 8 × 6 mm is too small for a legible logo (at least 10 mm each way)" in text
    assert "zones[1] (link): off the page: 150, 280 mm + 80 × 10 mm on page 1 of 210.0 × 297.0 mm" in text
    assert "zones[2] (contact): overlaps zones[3] (text) on page 1" in text
    assert "zones[4] (name): text overflows, cut to" in text
    dense = [line for line in report.errors if "over dense artwork" in line]
    assert [line.split(": ")[1] for line in dense] == [
        "zones[1] (link)",
        "zones[2] (contact)",
    ]  # 3 has a background
    assert not any("zones[0]" in line and "dense" in line for line in report.errors)  # plain dark band
    assert all(line.startswith(str(folder / "template.toml")) for line in report.errors), report.errors
