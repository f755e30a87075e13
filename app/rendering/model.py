"""Plain data the renderers work on. Built by the loaders and by callers; never by I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from app.rendering.audience import Audience

BRAND_COLOR_NAMES = ("primary", "secondary", "accent", "text", "background")
PARTNER_FIELDS = (
    "name", "logo", "email", "phone", "website", "address", "country",
    "region", "tier", "type", "tracked_url", "qr", "attributes",
)  # fmt: skip
"""Partner fields a template may declare in [fields].partner."""


@dataclass(frozen=True)
class FontFile:
    family: str
    weight: int
    style: str
    path: Path
    license_path: Path


FallbackChains = tuple[tuple[str, tuple[str, ...]], ...]
"""(script, font families) pairs: brand.toml [font_fallback], hashable."""


@dataclass(frozen=True)
class Disclaimers:
    """One language's legal text: by country, else by region (region slugs, lowercase), else the default."""

    default: str = ""
    regions: dict[str, str] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)

    def pick(self, region: str, country: str) -> str:
        return self.countries.get(country.upper()) or self.regions.get(region.lower()) or self.default


@dataclass(frozen=True)
class BrandKit:
    slug: str
    root: Path
    name: str
    colors: dict[str, str]
    fonts: tuple[FontFile, ...]
    logos: dict[str, Path]
    """primary, on_dark, mark"""
    disclaimer_default: str
    disclaimer_regions: dict[str, str]
    version: str
    disclaimer_countries: dict[str, str] = field(default_factory=dict)
    disclaimer_locales: dict[str, Disclaimers] = field(default_factory=dict)
    """Translations of the disclaimers by locale ("de", "pt-BR"): [disclaimer.locales.<locale>]."""
    font_fallback: FallbackChains = ()
    """Font families per script after the brand's own fonts (then the Noto defaults)."""

    def font_path(self, family: str, weight: int = 400, style: str = "normal") -> Path:
        """The kit font closest to the requested weight in the family."""
        candidates = [f for f in self.fonts if f.family == family] or list(self.fonts)
        same_style = [f for f in candidates if f.style == style] or candidates
        return min(same_style, key=lambda f: abs(f.weight - weight)).path

    def color(self, value: str) -> str:
        """Resolve a brand colour name or pass a hex colour through."""
        return self.colors.get(value, value)

    def disclaimer_for(self, region: str, country: str = "", locale: str = "") -> str:
        """The disclaimer in the first language of locale's chain the kit has, most specific first."""
        for candidate in locale_chain(locale):
            if candidate in self.disclaimer_locales:
                return self.disclaimer_locales[candidate].pick(region, country)
        return Disclaimers(self.disclaimer_default, self.disclaimer_regions, self.disclaimer_countries).pick(
            region, country
        )


def normalize_locale(locale: str) -> str:
    """A BCP 47 tag as Cobrand writes it: "pt_br" → "pt-BR", "zh-hant-tw" → "zh-Hant-TW"."""
    parts = [p for p in locale.replace("_", "-").split("-") if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part.lower())
    return "-".join(out)


def locale_chain(locale: str) -> list[str]:
    """The locales to try for locale, most specific first: "pt-BR" → ["pt-BR", "pt"]."""
    parts = normalize_locale(locale).split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1) if parts[0]]


@dataclass(frozen=True)
class TextBox:
    """A box text must fit in (PDF: mm and pt; image: px)."""

    width: float
    height: float
    font: str
    weight: int
    max_size: float
    min_size: float
    line_height: float = 1.2
    max_lines: int | None = None
    wrap_first: bool = False
    """Wrap at the largest size before shrinking (headlines); default shrinks a single line first."""


@dataclass(frozen=True)
class Zone:
    """The co-brand zone of a PDF page: the only area that differs per partner."""

    page: int
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float


@dataclass(frozen=True)
class PdfOutput:
    name: str
    html: Path
    css: tuple[Path, ...]
    page_size: Literal["A4", "Letter"]
    pages: int
    bleed_mm: float = 0
    crop_marks: bool = False
    text_boxes: dict[str, TextBox] = field(default_factory=dict)
    cobrand_zone: Zone | None = None
    kind: Literal["pdf"] = "pdf"


@dataclass(frozen=True)
class Layer:
    type: str
    spec: dict[str, Any]


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int
    layers: tuple[Layer, ...]

    @property
    def label(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class ImageOutput:
    name: str
    format: Literal["png", "jpeg", "webp"]
    sizes: tuple[ImageSize, ...]
    kind: Literal["image"] = "image"


ZONE_KINDS = ("logo", "name", "contact", "text", "qr", "link")
"""What a zone of a design holds (docs/formats.md, "Design template")."""
CONTACT_FIELDS = ("phone", "email", "website", "address")
ALIGNMENTS = ("left", "center", "right")
VERTICAL_ALIGNMENTS = ("top", "middle", "bottom")
MASTER_FORMATS = ("pdf", "png", "jpeg", "webp")


@dataclass(frozen=True)
class DesignZone:
    """A rectangle of a design's page filled per partner; mm from the page's top-left corner."""

    page: int
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    kind: str
    text: str = ""
    """kind "text": a fixed string with placeholders ({{ partner.name }}, {{ fields.offer }})."""
    fields: tuple[str, ...] = ("phone", "email", "website")
    """kind "contact": which partner contacts, one per line, in this order."""
    font: str = ""
    weight: int = 400
    max_size_pt: float = 14
    min_size_pt: float = 7
    line_height: float = 1.2
    align: str = "left"
    valign: str = "middle"
    color: str = "text"
    background: str | None = None
    """A fill drawn first, knocking out the artwork under the zone."""

    @property
    def is_text(self) -> bool:
        return self.kind in ("name", "contact", "text", "link")


@dataclass(frozen=True)
class DesignPage:
    """A page of a design's master, in mm (the trim box of a PDF page; an image at its dpi)."""

    width_mm: float
    height_mm: float
    width_px: int = 0
    """Images only: the master's pixel size."""
    height_px: int = 0


@dataclass(frozen=True)
class DesignOutput:
    """A finished design (PDF or image) used as it is: only its zones are drawn per partner."""

    name: str
    master: Path
    format: Literal["pdf", "png", "jpeg", "webp"]
    pages: tuple[DesignPage, ...]
    zones: tuple[DesignZone, ...]
    kind: Literal["design"] = "design"


@dataclass(frozen=True)
class EmailOutput:
    """An HTML e-mail: a Jinja2 MJML body, an optional plain-text template, an optional header image."""

    name: str
    mjml: Path
    text: Path | None = None
    """Jinja2 plain-text part; without one, the text is taken from the HTML."""
    header: ImageSize | None = None
    """A co-branded header image drawn per partner and published under PUBLIC_ASSET_BASE_URL."""
    kind: Literal["email"] = "email"


@dataclass(frozen=True)
class SocialOutput:
    """A social post: images (one asset per size, as an image output) and the post text (one asset)."""

    name: str
    format: Literal["png", "jpeg", "webp"]
    sizes: tuple[ImageSize, ...]
    post: Path
    """Jinja2 text of the post for LinkedIn and Facebook; the link and hashtags are added after it."""
    post_short: Path | None = None
    """A shorter text for X (280 characters); without one the long text is shortened to fit."""
    hashtags: tuple[str, ...] = ()
    kind: Literal["social"] = "social"

    @property
    def images(self) -> ImageOutput:
        return ImageOutput(self.name, self.format, self.sizes)

    @property
    def post_id(self) -> str:
        return f"{self.name}-post"


Output = PdfOutput | ImageOutput | DesignOutput | EmailOutput | SocialOutput


@dataclass(frozen=True)
class EditableField:
    label: str
    max_length: int
    default: str


@dataclass(frozen=True)
class Translation:
    """A template's copy in one locale (copy.<locale>.toml); missing keys fall back."""

    locale: str
    copy: dict[str, str]
    field_defaults: dict[str, str] = field(default_factory=dict)
    field_labels: dict[str, str] = field(default_factory=dict)
    reviewed: bool = True
    """False when no fluent speaker has checked it (the file says `reviewed = false`)."""


@dataclass(frozen=True)
class CampaignTemplate:
    slug: str
    root: Path
    title: str
    description: str
    audience: Audience
    copy: dict[str, str]
    partner_fields: tuple[str, ...]
    editable_fields: dict[str, EditableField]
    outputs: tuple[Output, ...]
    version: str
    """Hash of the folder without its copy.<locale>.toml files (each locale's copy is hashed on its own)."""
    locale: str = "en"
    """The language of [copy] in template.toml."""
    translations: dict[str, Translation] = field(default_factory=dict)

    @property
    def locales(self) -> tuple[str, ...]:
        """Every locale this template has copy in, its own first."""
        return (self.locale, *sorted(k for k in self.translations if k != self.locale))

    def copy_locale(self, locale: str) -> str:
        """The locale whose copy a locale gets: itself, a parent ("pt" for "pt-BR") or the default."""
        for candidate in locale_chain(locale):
            if candidate == self.locale or candidate in self.translations:
                return candidate
        return self.locale

    def localized_copy(self, locale: str) -> dict[str, str]:
        """[copy] for a locale, key by key along its chain down to the default."""
        copy = dict(self.copy)
        for candidate in reversed(locale_chain(locale)):
            if candidate in self.translations:
                copy.update(self.translations[candidate].copy)
        return copy

    def localized_field_defaults(self, locale: str) -> dict[str, str]:
        defaults = {key: spec.default for key, spec in self.editable_fields.items()}
        for candidate in reversed(locale_chain(locale)):
            if candidate in self.translations:
                defaults.update(self.translations[candidate].field_defaults)
        return defaults

    def output_ids(self) -> list[str]:
        """Every asset a partner gets: "flyer", "social-1080x1080", …"""
        ids: list[str] = []
        for output in self.outputs:
            if isinstance(output, PdfOutput | DesignOutput | EmailOutput):
                ids.append(output.name)
            elif isinstance(output, SocialOutput):
                ids.extend(f"{output.name}-{size.label}" for size in output.sizes)
                ids.append(output.post_id)
            else:
                ids.extend(f"{output.name}-{size.label}" for size in output.sizes)
        return ids


@dataclass(frozen=True)
class PartnerInput:
    """A partner as the renderer sees it: data plus the raw logo bytes."""

    slug: str
    name: str
    type: str
    tier: str
    region: str
    country: str = ""
    locale: str = "en"
    website: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    logo: bytes | None = None
    custom: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    """The program's custom attributes: a string, or a list for `multiple` ones."""
    labels: dict[str, str] = field(default_factory=dict)
    """The program's labels of type, tier and region (dimension → label); a missing one shows the slug."""
    logo_sha256: str | None = None
    """SHA-256 of the logo file, so a fingerprint can be taken without loading the bytes."""


@dataclass(frozen=True)
class CampaignInput:
    slug: str
    title: str = ""
    locale: str = ""
    """The locale these assets are rendered in (empty: the template's own)."""
    landing_url: str = ""
    copy_overrides: dict[str, str] = field(default_factory=dict)
    field_values: dict[str, str] = field(default_factory=dict)
    """Partner-editable field values for this partner (defaults fill the rest)."""
    asset_base_url: str = ""
    """Absolute URL public files (e-mail images) are served under: PUBLIC_ASSET_BASE_URL."""
    links: dict[str, str] = field(default_factory=dict)
    """This partner's short link per channel (pdf, image, email, social, qr); where one is missing
    the plain tracked landing URL is used. Codes never change, so neither do fingerprints."""


@dataclass(frozen=True)
class PublicFile:
    """A file the output refers to by absolute URL (an e-mail's images): stored under public/<name>."""

    name: str
    """Content-addressed: <sha256 prefix>.<ext>, so a URL never changes meaning."""
    data: bytes
    content_type: str


@dataclass(frozen=True)
class RenderedFile:
    output_id: str
    data: bytes
    content_type: str
    extension: str
    warnings: tuple[str, ...] = ()
    public_files: tuple[PublicFile, ...] = ()
    preview: bytes | None = None
    """An image to make the thumbnail from, for outputs that are not images or PDFs themselves."""
