"""Lint: validate kits and templates, then render every template for worst-case partners."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateSyntaxError
from PIL import Image, ImageDraw

from app.errors import CobrandError
from app.rendering.brand_kit import check_brand_kit
from app.rendering.jinja import html_environment
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.template import check_template


def _tall_logo() -> bytes:
    image = Image.new("RGBA", (120, 480), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 110, 470), fill="#7A1F5C")
    draw.ellipse((20, 20, 100, 100), fill="#FFFFFF")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def worst_case_partners() -> list[PartnerInput]:
    """Synthetic partners that stress a layout: longest name, tallest logo, non-Latin script, no logo."""
    return [
        PartnerInput(
            slug="worst-case-long-name",
            name="Consolidated Trans-Pacific Network Integration & Managed Security Services Cooperative Ltd",
            type="system_integrator",
            tier="platinum",
            region="APAC",
            website="https://www.consolidated-transpacific-integration-services.example.com",
            email="partner-marketing-team@consolidated-transpacific-integration-services.example.com",
            phone="+61 2 5550 1234 ext. 98765",
            address="Level 42, 1 Very Long Boulevard Name, Sydney NSW 2000, Australia",
            logo=_tall_logo(),
        ),
        PartnerInput(
            slug="worst-case-non-latin",
            name="Κυβερνοασφάλεια Βορείου Ελλάδος — Ολοκληρωμένες Λύσεις Δικτύων",
            type="reseller",
            tier="registered",
            region="EMEA",
            website="https://example.gr",
            email="info@example.gr",
            phone="+30 231 555 0100",
        ),
    ]


@dataclass
class LintReport:
    errors: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)


def _syntax_errors(template_root: Path) -> list[str]:
    env = html_environment(template_root)
    errors = []
    for path in sorted(template_root.rglob("*.html")):
        try:
            env.parse(path.read_text("utf-8"), filename=str(path))
        except TemplateSyntaxError as exc:
            errors.append(f"{path}:{exc.lineno}: Jinja syntax error: {exc.message}")
    return errors


def lint_content(
    kit_dirs: list[Path], template_dirs: list[Path], renderer: Renderer | None = None
) -> LintReport:
    """Check every kit and template; render each valid template with each valid kit for worst cases."""
    report = LintReport()
    kits: list[BrandKit] = []
    for root in kit_dirs:
        kit, problems = check_brand_kit(root)
        report.errors.extend(problems)
        report.checked.append(f"brand kit {root.name}")
        if kit:
            kits.append(kit)
    templates: list[CampaignTemplate] = []
    for root in template_dirs:
        template, problems = check_template(root)
        report.errors.extend(problems)
        syntax = _syntax_errors(root.resolve())
        report.errors.extend(syntax)
        report.checked.append(f"template {root.name}")
        if template and not syntax:
            templates.append(template)
    if not kits or not templates:
        return report
    renderer = renderer or Renderer()
    for template in templates:
        for kit in kits:
            for partner in worst_case_partners():
                campaign = CampaignInput(slug="lint", landing_url="https://vendor.example.com/campaigns/lint")
                for output_id in template.output_ids():
                    try:
                        rendered = renderer.render_one(kit, template, partner, campaign, output_id)
                    except CobrandError as exc:
                        report.errors.extend(
                            f"{template.root / 'template.toml'}: outputs.{output_id}: {line}"
                            if not line.startswith("/")
                            else line
                            for line in str(exc).splitlines()
                        )
                        continue
                    report.errors.extend(
                        f"{warning} (worst case: {partner.slug}, brand kit {kit.slug})"
                        for warning in rendered.warnings
                    )
    # The same problem found for several kits or partners is reported once.
    report.errors = list(dict.fromkeys(report.errors))
    return report
