"""Draw the sample design flyer with reportlab: a designer's PDF from a tool other than WeasyPrint.

A4 with 3 mm bleed (media box) and a trim box, CMYK colours, crop marks, vector artwork and
Helvetica text (a base-14 font, not embedded), with empty space left for the co-brand zones
listed in ../template.toml. Run from the repository root:

    .venv/bin/python campaign_templates/design-flyer/source/make_flyer.py

It writes campaign_templates/design-flyer/flyer.pdf (byte-identical on every run).
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.colors import CMYKColor
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

BLEED = 3 * mm
WIDTH, HEIGHT = 210 * mm, 297 * mm
NAVY = CMYKColor(1.0, 0.55, 0.0, 0.72)
TEAL = CMYKColor(0.88, 0.0, 0.38, 0.0)
AMBER = CMYKColor(0.0, 0.33, 0.86, 0.0)
INK = CMYKColor(0.48, 0.27, 0.0, 0.83)
PAPER = CMYKColor(0, 0, 0, 0)
OUT = Path(__file__).resolve().parent.parent / "flyer.pdf"


def y(top_mm: float) -> float:
    """reportlab measures from the bottom-left of the media box; the design from the trim's top."""
    return BLEED + HEIGHT - top_mm * mm


def crop_marks(canvas: Canvas) -> None:
    canvas.setStrokeColor(CMYKColor(1, 1, 1, 1))
    canvas.setLineWidth(0.25)
    for x in (BLEED, BLEED + WIDTH):
        for yy in (BLEED, BLEED + HEIGHT):
            canvas.line(x, yy + (2 if yy > BLEED else -2) * mm, x, yy + (BLEED if yy > BLEED else -BLEED))
            canvas.line(x + (2 if x > BLEED else -2) * mm, yy, x + (BLEED if x > BLEED else -BLEED), yy)


def draw(canvas: Canvas) -> None:
    # Header band, bleeding off the top and sides.
    canvas.setFillColor(NAVY)
    canvas.rect(0, y(118), WIDTH + 2 * BLEED, 118 * mm + BLEED, stroke=0, fill=1)
    canvas.setFillColor(TEAL)
    for index in range(7):  # the "network" motif: rings of nodes
        canvas.circle(BLEED + (150 + index * 7) * mm, y(30 + index * 9), (2 + index) * mm, stroke=0, fill=1)
    canvas.setStrokeColor(TEAL)
    canvas.setLineWidth(1.2)
    canvas.bezier(
        BLEED + 120 * mm, y(100), BLEED + 160 * mm, y(20), BLEED + 190 * mm, y(90), BLEED + 215 * mm, y(10)
    )
    canvas.setFillColor(AMBER)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(BLEED + 15 * mm, y(28), "NEW  ·  NORTHWIND SECURE EDGE 4.0")
    canvas.setFillColor(PAPER)
    canvas.setFont("Helvetica-Bold", 30)
    for index, line in enumerate(("Zero-trust networking", "for every branch,", "user and cloud")):
        canvas.drawString(BLEED + 15 * mm, y(48 + index * 12), line)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(
        BLEED + 15 * mm, y(96), "One cloud-managed platform replaces VPNs and ageing branch firewalls."
    )

    # Three feature columns.
    canvas.setFillColor(INK)
    features = (
        ("Verify every connection", "Identity- and device-aware", "policies on every request."),
        ("One policy, everywhere", "Branches, remote staff, data", "centres and clouds alike."),
        ("Branches live in minutes", "Zero-touch NX gateways with", "SD-WAN and firewall built in."),
    )
    for index, (title, *body) in enumerate(features):
        left = BLEED + (15 + index * 62) * mm
        canvas.setFillColor(TEAL)
        canvas.rect(left, y(138), 12 * mm, 3 * mm, stroke=0, fill=1)
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(left, y(148), title)
        canvas.setFont("Helvetica", 10)
        for line_index, line in enumerate(body):
            canvas.drawString(left, y(156 + line_index * 5.5), line)

    # Figures.
    for index, (value, label) in enumerate(
        (("68%", "fewer incidents"), ("40%", "lower WAN cost"), ("15 min", "per new branch"))
    ):
        left = BLEED + (15 + index * 62) * mm
        canvas.setFillColor(NAVY)
        canvas.setFont("Helvetica-Bold", 26)
        canvas.drawString(left, y(190), value)
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica", 10)
        canvas.drawString(left, y(197), label)

    # Partner panel: a light band with an amber rule; the zones are left empty for the partner.
    canvas.setFillColor(CMYKColor(0.04, 0.01, 0, 0.02))
    canvas.rect(0, 0, WIDTH + 2 * BLEED, 80 * mm + BLEED, stroke=0, fill=1)
    canvas.setFillColor(AMBER)
    canvas.rect(0, y(217), WIDTH + 2 * BLEED, 1.5 * mm, stroke=0, fill=1)
    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(BLEED + 15 * mm, y(226), "YOUR LOCAL NORTHWIND PARTNER")
    canvas.setFont("Helvetica", 9)
    canvas.drawString(BLEED + 160 * mm, y(283), "Scan to book a demo")
    canvas.setFont("Helvetica", 6.5)
    canvas.drawString(
        BLEED + 15 * mm, y(291),
        "© 2027 Northwind Networks, Inc. Offers are made by the independent partner named on this material.",
    )  # fmt: skip
    crop_marks(canvas)


def main() -> None:
    canvas = Canvas(
        str(OUT), pagesize=(WIDTH + 2 * BLEED, HEIGHT + 2 * BLEED), invariant=1, pageCompression=1
    )
    canvas.setTitle("Northwind Secure Edge flyer (design)")
    canvas.setAuthor("Northwind Networks design team")
    canvas.setCreator("reportlab")
    canvas.setTrimBox((BLEED, BLEED, BLEED + WIDTH, BLEED + HEIGHT))
    canvas.setBleedBox((0, 0, WIDTH + 2 * BLEED, HEIGHT + 2 * BLEED))
    draw(canvas)
    canvas.showPage()
    canvas.save()
    print(OUT)


if __name__ == "__main__":
    main()
