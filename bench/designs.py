"""Designs from other tools: stamping the zones onto the uploaded PDF, against a naive re-render.

The sample design (campaign_templates/design-flyer, a reportlab PDF with four zones: logo, name,
contacts, QR) for N generated partners, interleaved partner by partner so machine noise hits
both alike:

- ours: `Renderer.render_one`: the zones alone laid out by WeasyPrint and appended to the
  untouched master as an incremental update (the master parsed once per version);
- naive: what a tool without a stamping path does: a fresh FontConfiguration and a fresh
  ``HTML(...).write_pdf()`` per partner of a page whose background is the master rasterised at
  300 dpi (rasterised once, in the baseline's favour), with the same zones drawn on top. It also
  loses the design's vectors, fonts and CMYK colours, which the stamped file keeps.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from app.rendering.model import CampaignInput, PartnerInput

ROOT = Path(__file__).resolve().parent.parent
NAIVE_DPI = 300


def bench_designs(samples: int, partner_input: Any) -> dict[str, Any]:
    import pypdfium2 as pdfium
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from app.rendering.brand_kit import load_brand_kit
    from app.rendering.model import DesignOutput
    from app.rendering.pdf import _font_face_css
    from app.rendering.renderer import Renderer
    from app.rendering.template import load_template

    kit = load_brand_kit(ROOT / "brand_kits" / "northwind")
    design = load_template(ROOT / "campaign_templates" / "design-flyer")
    output = design.outputs[0]
    assert isinstance(output, DesignOutput)
    campaign = CampaignInput(slug="byod", landing_url="https://northwind.example.com/byod")
    renderer = Renderer()
    page = output.pages[0]
    scratch = Path(tempfile.mkdtemp(prefix="cobrand-bench-design-"))
    background = scratch / "master.png"
    document = pdfium.PdfDocument(output.master.read_bytes())
    pdf_page = document[0]
    left, bottom, right, top = pdf_page.get_trimbox()
    c_left, c_bottom, c_right, c_top = pdf_page.get_cropbox()
    pdf_page.render(scale=NAIVE_DPI / 72, crop=(left - c_left, bottom - c_bottom, c_right - right, c_top - top)) \
        .to_pil().convert("RGB").save(background)  # fmt: skip
    document.close()

    def naive(partner: PartnerInput) -> bytes:
        logo = renderer.partner_logo(partner)
        context = renderer.design.context(kit, design, output, partner, campaign)
        zones = "".join(renderer.design.zone_markup(kit, design, output, context, logo, []))
        css = (
            f"@page {{ size: {page.width_mm}mm {page.height_mm}mm; margin: 0 }} html, body {{ margin: 0 }} "
            f"section {{ position: relative; width: {page.width_mm}mm; height: {page.height_mm}mm; "
            f"background: url('{background.as_uri()}') 0 0 / 100% 100% no-repeat }} "
            ".z { position: absolute; overflow: hidden } .l { position: absolute; white-space: nowrap } "
            "img { position: absolute; display: block }"
        )
        fonts = FontConfiguration()
        return HTML(
            string=f"<html><body><section>{zones}</section></body></html>", base_url=scratch.as_uri() + "/"
        ).write_pdf(  # type: ignore[no-any-return]
            stylesheets=[CSS(string=_font_face_css(kit), font_config=fonts), CSS(string=css)],
            font_config=fonts,
        )

    times: dict[str, list[float]] = {"design_ours": [], "design_naive": []}
    sizes: dict[str, int] = {}
    warm = 2
    for index in range(samples + warm):
        partner = partner_input(index)
        runs = [
            (
                "design_ours",
                lambda partner=partner: renderer.render_one(kit, design, partner, campaign, "flyer").data,
            ),
            ("design_naive", lambda partner=partner: naive(partner)),
        ]
        if index % 2:
            runs.reverse()
        for name, run in runs:
            started = time.perf_counter()
            data = run()
            if index >= warm:
                times[name].append(time.perf_counter() - started)
                sizes[name] = len(data)
    result: dict[str, Any] = {name: round(statistics.median(v) * 1000, 1) for name, v in times.items()}
    result["design_speedup"] = round(result["design_naive"] / result["design_ours"], 2)
    result["design_ours_kib"] = round(sizes["design_ours"] / 1024)
    result["design_naive_kib"] = round(sizes["design_naive"] / 1024)
    result["samples"] = samples
    return result
