"""Lint: validate kits and templates, then render every template for worst-case partners."""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from jinja2 import TemplateSyntaxError
from PIL import Image, ImageDraw

from app.errors import CobrandError
from app.rendering.audience import parse_audience
from app.rendering.brand_kit import check_brand_kit
from app.rendering.design_lint import lint_design
from app.rendering.fonts import describe_uses, script_uses
from app.rendering.jinja import html_environment
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    DesignOutput,
    PartnerInput,
    locale_chain,
    normalize_locale,
)
from app.rendering.program import PartnerProgram, ProgramValue, check_program
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


def _longest(values: tuple[ProgramValue, ...]) -> ProgramValue:
    return max(values, key=lambda v: (len(v.label), v.rank))


def in_program(partner: PartnerInput, program: PartnerProgram) -> PartnerInput:
    """A synthetic partner given the program's first type, lowest tier and first region."""
    return _with_program(
        partner, {"type": program.types[0], "tier": program.tiers[0], "region": program.regions[0]}
    )


def _with_program(partner: PartnerInput, chosen: dict[str, ProgramValue]) -> PartnerInput:
    return replace(
        partner,
        type=chosen["type"].slug,
        tier=chosen["tier"].slug,
        region=chosen["region"].slug,
        labels={k: v.label for k, v in chosen.items()},
    )


@cache
def _worst_cases() -> tuple[PartnerInput, PartnerInput]:
    return (
        PartnerInput(
            slug="worst-case-long-name",
            name="Consolidated Trans-Pacific Network Integration & Managed Security Services Cooperative Ltd",
            website="https://www.consolidated-transpacific-integration-services.example.com",
            email="partner-marketing-team@consolidated-transpacific-integration-services.example.com",
            phone="+61 2 5550 1234 ext. 98765",
            address="Level 42, 1 Very Long Boulevard Name, Sydney NSW 2000, Australia",
            logo=_tall_logo(),
            type="worst-case",
            tier="worst-case",
            region="worst-case",
        ),
        PartnerInput(
            slug="worst-case-non-latin",
            name="Κυβερνοασφάλεια Βορείου Ελλάδος — Ολοκληρωμένες Λύσεις Δικτύων",
            website="https://example.gr",
            email="info@example.gr",
            phone="+30 231 555 0100",
            type="worst-case",
            tier="worst-case",
            region="worst-case",
        ),
    )


def worst_case_partners(program: PartnerProgram | None) -> list[PartnerInput]:
    """Synthetic partners that stress a layout: longest name and labels, tallest logo, non-Latin script, no logo.

    Their type, tier and region are the program's longest-labelled and its lowest values
    (placeholders when there is no valid program to take them from).
    """
    long_name, non_latin = _worst_cases()
    if program is None:
        return [long_name, non_latin]
    longest = {
        "type": _longest(program.types),
        "tier": _longest(program.tiers),
        "region": _longest(program.regions),
    }
    lowest = {"type": program.types[0], "tier": program.tiers[0], "region": program.regions[-1]}
    return [_with_program(long_name, longest), _with_program(non_latin, lowest)]


@dataclass
class LintReport:
    errors: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Worth knowing, not wrong: missing translations (copy falls back), fonts falling back to Noto."""


def glyph_report(subject: str, kit: BrandKit, text: str, locale: str = "") -> tuple[list[str], list[str]]:
    """(errors, notes) for the scripts text uses with kit's fonts: uncovered characters, fallbacks."""
    return describe_uses(subject, kit, script_uses(kit, text, locale))


def translation_report(
    template: CampaignTemplate, partner_locales: dict[str, list[str]] | None = None
) -> list[str]:
    """Notes for every copy key a locale's file lacks (and where it is shown from), for unreviewed
    translations, and for partners' locales the template has no copy in at all."""
    notes = []
    for locale, translation in sorted(template.translations.items()):
        where = template.root / f"copy.{locale}.toml"
        by_source: dict[str, list[str]] = {}
        for key in template.copy:
            if key not in translation.copy:
                parents = [
                    c
                    for c in locale_chain(locale)[1:]
                    if key in getattr(template.translations.get(c), "copy", {})
                ]
                by_source.setdefault(parents[0] if parents else template.locale, []).append(key)
        for source, keys in by_source.items():
            notes.append(f"{where}: copy: missing in {locale}, shown in {source}: {', '.join(keys)}")
        missing_fields = [k for k in template.editable_fields if k not in translation.field_defaults]
        if missing_fields:
            notes.append(f"{where}: fields.editable: no {locale} default for {', '.join(missing_fields)}")
        if not translation.reviewed:
            notes.append(f"{where}: translation: not yet checked by a fluent speaker (reviewed = false)")
    for locale, slugs in sorted((partner_locales or {}).items()):
        if template.copy_locale(locale) == template.locale and template.locale not in locale_chain(locale):
            notes.append(
                f"{template.root / 'template.toml'}: copy: no translation for {locale} "
                f"(partners {', '.join(slugs[:5])}{' …' if len(slugs) > 5 else ''}): shown in {template.locale}; "
                f"add copy.{locale}.toml"
            )
    return notes


def _syntax_errors(template_root: Path) -> list[str]:
    env = html_environment(template_root)
    errors = []
    for path in sorted(template_root.rglob("*.html")):
        try:
            env.parse(path.read_text("utf-8"), filename=str(path))
        except TemplateSyntaxError as exc:
            errors.append(f"{path}:{exc.lineno}: Jinja syntax error: {exc.message}")
    return errors


def _program_problems(
    program: PartnerProgram, kit: BrandKit | None, template: CampaignTemplate | None
) -> list[str]:
    """Kit and template values the program does not declare."""
    problems: list[str] = []
    if kit is not None:
        for region in kit.disclaimer_regions:
            if program.resolve("region", region) is None:
                problems.append(f"{kit.root / 'brand.toml'}: disclaimer.regions.{region}: not a region of the "
                                f"partner program ({', '.join(program.slugs('region'))})")  # fmt: skip
    if template is not None:
        _, lines = parse_audience(template.audience.to_dict(), program)
        problems.extend(f"{template.root / 'template.toml'}: {line}" for line in lines)
    return problems


def lint_content(
    kit_dirs: list[Path],
    template_dirs: list[Path],
    renderer: Renderer | None = None,
    partners: list[PartnerInput] | None = None,
    program_file: Path | None = None,
) -> LintReport:
    """Check the program, every kit and template; render each valid template with each valid kit for worst cases.

    Every locale a template has copy in is rendered (German runs ~30% longer than English) and
    checked for glyphs the kit's fonts lack; so are the given partners' names.
    """
    report = LintReport()
    program: PartnerProgram | None = None
    if program_file is not None:
        program, problems = check_program(program_file)
        report.errors.extend(problems)
        report.checked.append(f"partner program {program_file.name}")
    kits: list[BrandKit] = []
    for root in kit_dirs:
        kit, problems = check_brand_kit(root)
        report.errors.extend(problems)
        report.checked.append(f"brand kit {root.name}")
        if kit:
            kits.append(kit)
            if program:
                report.errors.extend(_program_problems(program, kit, None))
    templates: list[CampaignTemplate] = []
    for root in template_dirs:
        template, problems = check_template(root)
        report.errors.extend(problems)
        syntax = _syntax_errors(root.resolve())
        report.errors.extend(syntax)
        report.checked.append(f"template {root.name}")
        if template and not syntax:
            templates.append(template)
            for output in template.outputs:
                if isinstance(output, DesignOutput):
                    report.errors.extend(lint_design(template, output))
            if program:
                report.errors.extend(_program_problems(program, None, template))
    if not kits or not templates:
        return report
    renderer = renderer or Renderer()
    partner_locales: dict[str, list[str]] = {}
    for partner in partners or []:
        partner_locales.setdefault(normalize_locale(partner.locale) or "en", []).append(partner.slug)
    for template in templates:
        report.notes.extend(translation_report(template, partner_locales))
    for kit in kits:
        for partner in partners or []:
            errors, notes = glyph_report(f"partner {partner.slug}: name", kit, partner.name, partner.locale)
            report.errors.extend(errors)
            report.notes.extend(notes)
    for template in templates:
        for kit in kits:
            for locale in template.locales:
                copy_file = "template.toml" if locale == template.locale else f"copy.{locale}.toml"
                text = " ".join(template.localized_copy(locale).values())
                errors, notes = glyph_report(f"{template.root / copy_file}: copy", kit, text, locale)
                report.errors.extend(errors)
                report.notes.extend(notes)
            cases = [(p, template.locale) for p in worst_case_partners(program)]
            cases += [(worst_case_partners(program)[0], locale) for locale in template.locales[1:]]
            for partner, locale in cases:
                campaign = CampaignInput(
                    slug="lint",
                    landing_url="https://vendor.example.com/campaigns/lint",
                    locale=locale,
                    asset_base_url="https://assets.vendor.example.com/",  # e-mails link images absolutely
                )
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
                        f"{warning} (worst case: {partner.slug}, locale {locale}, brand kit {kit.slug})"
                        for warning in rendered.warnings
                    )
    # The same problem found for several kits or partners is reported once.
    report.errors = list(dict.fromkeys(report.errors))
    report.notes = list(dict.fromkeys(report.notes))
    return report
