"""Load and validate a campaign template folder (campaign_templates/<slug>/template.toml)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from app.errors import TemplateInvalid
from app.rendering.audience import parse_audience
from app.rendering.model import (
    BRAND_COLOR_NAMES,
    PARTNER_FIELDS,
    CampaignTemplate,
    EditableField,
    EmailOutput,
    ImageOutput,
    ImageSize,
    Layer,
    Output,
    PdfOutput,
    SocialOutput,
    TextBox,
    Translation,
    Zone,
    normalize_locale,
)
from app.rendering.problems import HEX_COLOR, Problems, inside
from app.rendering.versioning import folder_version
from app.rendering.zones import DEFAULT_OUTPUT, design_fields, design_output

MANIFEST = "template.toml"
COPY_FILES = "copy.*.toml"
"""A template's copy in other locales, beside template.toml: copy.de.toml, copy.pt-BR.toml."""
OUTPUT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PAGE_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
LAYER_TYPES = {"background", "rect", "brand_logo", "partner_logo", "text", "qr", "cta"}
BOX_LAYERS = LAYER_TYPES - {"background"}


def _toml(path: Path, problems: Problems) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add("-", f"not valid TOML: {exc}", file=path)
    except FileNotFoundError:
        problems.add("-", "file not found", file=path)
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text_box(spec: dict[str, Any], where: str, problems: Problems) -> TextBox | None:
    missing = [k for k in ("width_mm", "height_mm", "max_size_pt", "min_size_pt") if not _number(spec.get(k))]
    if missing:
        problems.add(where, f"needs numbers for {', '.join(missing)}")
        return None
    if spec["min_size_pt"] > spec["max_size_pt"]:
        problems.add(f"{where}.min_size_pt", "is larger than max_size_pt")
        return None
    mm_to_pt = 72 / 25.4
    return TextBox(
        width=spec["width_mm"] * mm_to_pt,
        height=spec["height_mm"] * mm_to_pt,
        font=str(spec.get("font", "")),
        weight=int(spec.get("weight", 400)),
        max_size=float(spec["max_size_pt"]),
        min_size=float(spec["min_size_pt"]),
        line_height=float(spec.get("line_height", 1.2)),
        max_lines=spec.get("max_lines"),
        wrap_first=bool(spec.get("wrap_first", False)),
    )


def _pdf_output(root: Path, spec: dict[str, Any], where: str, problems: Problems) -> PdfOutput | None:
    html = inside(root, str(spec.get("html", "")))
    if html is None or not html.is_file():
        problems.add(f"{where}.html", f"{spec.get('html')!r} is not a file inside the template")
    css: list[Path] = []
    for index, rel in enumerate(spec.get("css") or []):
        path = inside(root, str(rel))
        if path is None or not path.is_file():
            problems.add(f"{where}.css[{index}]", f"{rel!r} is not a file inside the template")
        else:
            css.append(path)
    page_size = spec.get("page_size", "A4")
    if page_size not in PAGE_SIZES_MM:
        problems.add(f"{where}.page_size", f"{page_size!r} is not A4 or Letter")
    pages = spec.get("pages", 1)
    if not isinstance(pages, int) or pages < 1:
        problems.add(f"{where}.pages", f"{pages!r} is not a page count")
    bleed = spec.get("bleed_mm", 0)
    if not _number(bleed) or not 0 <= bleed <= 10:
        problems.add(f"{where}.bleed_mm", f"{bleed!r} is not a bleed from 0 to 10 mm")
    boxes: dict[str, TextBox] = {}
    for name, box_spec in (spec.get("text_boxes") or {}).items():
        box = _text_box(box_spec, f"{where}.text_boxes.{name}", problems)
        if box:
            boxes[name] = box
    zone = None
    if zone_spec := spec.get("cobrand_zone"):
        keys = ("page", "x_mm", "y_mm", "width_mm", "height_mm")
        if not all(_number(zone_spec.get(k)) for k in keys):
            problems.add(f"{where}.cobrand_zone", f"needs numbers for {', '.join(keys)}")
        else:
            zone = Zone(int(zone_spec["page"]), *(float(zone_spec[k]) for k in keys[1:]))
            width, height = PAGE_SIZES_MM.get(page_size, (210.0, 297.0))
            if zone.x_mm + zone.width_mm > width + 0.01 or zone.y_mm + zone.height_mm > height + 0.01:
                problems.add(f"{where}.cobrand_zone", "extends past the page")
            if not 1 <= zone.page <= (pages if isinstance(pages, int) else 1):
                problems.add(f"{where}.cobrand_zone.page", f"{zone.page} is not a page of this output")
    if problems or html is None:
        return None
    return PdfOutput(
        name=spec["name"],
        html=html,
        css=tuple(css),
        page_size=page_size,
        pages=pages,
        bleed_mm=float(bleed),
        crop_marks=bool(spec.get("crop_marks", False)),
        text_boxes=boxes,
        cobrand_zone=zone,
    )


def _check_color(value: Any, where: str, problems: Problems, file: Path) -> None:
    if not isinstance(value, str) or not (value in BRAND_COLOR_NAMES or HEX_COLOR.match(value)):
        problems.add(where, f"{value!r} is not #RRGGBB or a brand colour name", file=file)


def _image_output(root: Path, spec: dict[str, Any], where: str, problems: Problems) -> ImageOutput | None:
    fmt = spec.get("format", "png")
    if fmt not in ("png", "jpeg", "webp"):
        problems.add(f"{where}.format", f"{fmt!r} is not png, jpeg or webp")
    layout_path = inside(root, str(spec.get("layouts", "")))
    if layout_path is None or not layout_path.is_file():
        problems.add(f"{where}.layouts", f"{spec.get('layouts')!r} is not a file inside the template")
        return None
    data = _toml(layout_path, problems)
    if data is None:
        return None
    sizes: list[ImageSize] = []
    for s_index, size in enumerate(data.get("sizes") or []):
        s_where = f"sizes[{s_index}]"
        width, height = size.get("width"), size.get("height")
        if (
            not isinstance(width, int)
            or not isinstance(height, int)
            or not (16 <= width <= 8000 and 16 <= height <= 8000)
        ):
            problems.add(
                s_where,
                f"width and height must be whole pixels from 16 to 8000, not {width!r}×{height!r}",
                file=layout_path,
            )
            continue
        layers: list[Layer] = []
        for l_index, layer in enumerate(size.get("layers") or []):
            l_where = f"{s_where}.layers[{l_index}]"
            kind = layer.get("type")
            if kind not in LAYER_TYPES:
                problems.add(
                    f"{l_where}.type",
                    f"{kind!r} is not one of {', '.join(sorted(LAYER_TYPES))}",
                    file=layout_path,
                )
                continue
            if kind in BOX_LAYERS:
                box = layer.get("box")
                if (
                    not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, int) for v in box))
                    or box[2] <= 0
                    or box[3] <= 0
                ):
                    problems.add(
                        f"{l_where}.box",
                        f"{box!r} is not [x, y, width, height] in whole pixels",
                        file=layout_path,
                    )
                    continue
                if box[0] < 0 or box[1] < 0 or box[0] + box[2] > width or box[1] + box[3] > height:
                    problems.add(
                        f"{l_where}.box",
                        f"{box!r} extends past the {width}×{height} canvas",
                        file=layout_path,
                    )
            for key in ("color", "fill", "background"):
                if key in layer:
                    _check_color(layer[key], f"{l_where}.{key}", problems, layout_path)
            if kind == "background" and "image" in layer:
                image = inside(root, str(layer["image"]))
                if image is None or not image.is_file():
                    problems.add(
                        f"{l_where}.image",
                        f"{layer['image']!r} is not a file inside the template",
                        file=layout_path,
                    )
            if kind in ("text", "cta"):
                if not isinstance(layer.get("text"), str):
                    problems.add(f"{l_where}.text", "required, a string", file=layout_path)
                if not _number(layer.get("size")):
                    problems.add(f"{l_where}.size", "required, a number of pixels", file=layout_path)
            layers.append(Layer(kind, dict(layer)))
        sizes.append(ImageSize(width, height, tuple(layers)))
    if not sizes:
        problems.add("sizes", "at least one [[sizes]] table is required", file=layout_path)
    if problems:
        return None
    return ImageOutput(name=spec["name"], format=fmt, sizes=tuple(sizes))


def _email_output(
    root: Path, spec: dict[str, Any], where: str, problems: Problems, copy: dict[str, str]
) -> EmailOutput | None:
    mjml = inside(root, str(spec.get("mjml", "")))
    if mjml is None or not mjml.is_file():
        problems.add(f"{where}.mjml", f"{spec.get('mjml')!r} is not a file inside the template")
    text = None
    if "text" in spec:
        text = inside(root, str(spec["text"]))
        if text is None or not text.is_file():
            problems.add(f"{where}.text", f"{spec['text']!r} is not a file inside the template")
    for key in ("subject", "preheader"):
        if not copy.get(key, "").strip():
            problems.add(f"copy.{key}", f"required by the e-mail output {spec.get('name')!r}")
    header = None
    if "header" in spec:
        layouts = _image_output(
            root, {"name": spec.get("name"), "layouts": spec["header"]}, f"{where}.header", problems
        )
        if layouts is not None:
            if len(layouts.sizes) != 1 or layouts.sizes[0].width > 1200:
                problems.add(f"{where}.header", "one [[sizes]] table, at most 1200 px wide (shown at 600)")
            header = layouts.sizes[0]
    if problems or mjml is None:
        return None
    return EmailOutput(name=spec["name"], mjml=mjml, text=text, header=header)


def _social_output(root: Path, spec: dict[str, Any], where: str, problems: Problems) -> SocialOutput | None:
    images = _image_output(root, spec, where, problems)
    files: dict[str, Path | None] = {}
    for key in ("post", "post_short"):
        files[key] = None
        if key in spec:
            path = inside(root, str(spec[key]))
            if path is None or not path.is_file():
                problems.add(f"{where}.{key}", f"{spec[key]!r} is not a file inside the template")
            files[key] = path
    if "post" not in spec:
        problems.add(f"{where}.post", "required: the Jinja2 text of the post")
    hashtags = spec.get("hashtags", [])
    if not isinstance(hashtags, list) or not all(
        isinstance(t, str) and re.match(r"^#?\w+$", t) for t in hashtags
    ):
        problems.add(f"{where}.hashtags", f"{hashtags!r} is not a list of hashtags (letters, digits, _)")
    if problems or images is None or files["post"] is None:
        return None
    return SocialOutput(images.name, images.format, images.sizes, files["post"], files["post_short"],
                        tuple(t.lstrip("#") for t in hashtags))  # fmt: skip


def check_template(root: Path) -> tuple[CampaignTemplate | None, list[str]]:
    """Load a template, returning it (or None) and every problem found."""
    root = root.resolve()
    manifest = root / MANIFEST
    problems = Problems(manifest)
    if not manifest.is_file():
        problems.add("-", f"missing {MANIFEST}")
        return None, problems.lines
    data = _toml(manifest, problems)
    if data is None:
        return None, problems.lines

    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add("title", "required, a non-empty string")
    # Values are checked against the partner program by lint; here only the shape of the rules.
    audience, audience_problems = parse_audience(data.get("audience"))
    for line in audience_problems:
        where, _, problem = line.partition(": ")
        problems.add(where, problem)
    copy = {str(k): str(v) for k, v in (data.get("copy") or {}).items()}
    fields = data.get("fields") or {}
    partner_fields = tuple(fields.get("partner") or ())
    for name in partner_fields:
        if name not in PARTNER_FIELDS:
            problems.add(
                "fields.partner", f"unknown field {name!r}; known fields: {', '.join(PARTNER_FIELDS)}"
            )
    editable: dict[str, EditableField] = {}
    for key, spec in (fields.get("editable") or {}).items():
        max_length = spec.get("max_length")
        if not isinstance(max_length, int) or max_length < 1:
            problems.add(
                f"fields.editable.{key}.max_length", f"{max_length!r} is not a positive whole number"
            )
            continue
        default = str(spec.get("default", ""))
        if len(default) > max_length:
            problems.add(
                f"fields.editable.{key}.default",
                f"is {len(default)} characters, over max_length {max_length}",
            )
        editable[key] = EditableField(str(spec.get("label", key)), max_length, default)

    outputs: list[Output] = []
    names: set[str] = set()
    if data.get("kind") == "design":
        output_name = data.get("output", DEFAULT_OUTPUT)
        if not isinstance(output_name, str) or not OUTPUT_NAME.match(output_name):
            problems.add("output", f"{output_name!r} is not a name of lowercase letters, digits and dashes")
        design = design_output(root, data, problems)
        if design:
            outputs.append(design)
            partner_fields = tuple(dict.fromkeys(partner_fields + design_fields(design)))
    elif "kind" in data:
        problems.add("kind", f'{data["kind"]!r} is not "design" (leave it out for HTML/layer templates)')
    for index, spec in enumerate(data.get("outputs") or []):
        where = f"outputs[{index}]"
        name = spec.get("name")
        if not isinstance(name, str) or not OUTPUT_NAME.match(name):
            problems.add(f"{where}.name", f"{name!r} is not a name of lowercase letters, digits and dashes")
            continue
        if name in names:
            problems.add(f"{where}.name", f"{name!r} is used twice")
        names.add(name)
        kind = spec.get("kind")
        output: Output | None
        if kind == "pdf":
            output = _pdf_output(root, spec, where, problems)
        elif kind == "image":
            output = _image_output(root, spec, where, problems)
        elif kind == "email":
            output = _email_output(root, spec, where, problems, copy)
        elif kind == "social":
            output = _social_output(root, spec, where, problems)
        else:
            problems.add(f"{where}.kind", f"{kind!r} is not pdf, image, email or social")
            output = None
        if output:
            outputs.append(output)
    if not data.get("outputs") and data.get("kind") != "design":
        problems.add("outputs", "at least one [[outputs]] table is required")
    locale = data.get("locale", "en")
    if not isinstance(locale, str) or normalize_locale(locale) != locale or not locale:
        problems.add("locale", f"{locale!r} is not a locale like en, de or pt-BR")
        locale = "en"
    translations = {}
    for path in sorted(root.glob(COPY_FILES)):
        translation = _translation(path, copy, editable, problems)
        if translation:
            translations[translation.locale] = translation
    if problems:
        return None, problems.lines
    template = CampaignTemplate(
        slug=root.name,
        root=root,
        title=str(title),
        description=str(data.get("description", "")),
        audience=audience,
        copy=copy,
        partner_fields=partner_fields,
        editable_fields=editable,
        outputs=tuple(outputs),
        version=folder_version(root, exclude=COPY_FILES),
        locale=locale,
        translations=translations,
    )
    return template, []


def _translation(
    path: Path, copy: dict[str, str], editable: dict[str, EditableField], problems: Problems
) -> Translation | None:
    """copy.<locale>.toml: [copy] and [fields.editable.<key>] label/default in that locale."""
    locale = path.name[len("copy.") : -len(".toml")]
    if normalize_locale(locale) != locale:
        problems.add("-", f"{path.name}: {locale!r} is not a locale like de or pt-BR", file=path)
        return None
    data = _toml(path, problems)
    if data is None:
        return None
    translated = {str(k): str(v) for k, v in (data.get("copy") or {}).items()}
    for key in translated:
        if key not in copy:
            problems.add(f"copy.{key}", "not a key of template.toml [copy]", file=path)
    defaults, labels = {}, {}
    for key, spec in ((data.get("fields") or {}).get("editable") or {}).items():
        if key not in editable:
            problems.add(f"fields.editable.{key}", "not an editable field of template.toml", file=path)
            continue
        if "default" in spec:
            defaults[key] = str(spec["default"])
            if len(defaults[key]) > editable[key].max_length:
                problems.add(
                    f"fields.editable.{key}.default",
                    f"is {len(defaults[key])} characters, over max_length {editable[key].max_length}",
                    file=path,
                )
        if "label" in spec:
            labels[key] = str(spec["label"])
    reviewed = (data.get("translation") or {}).get("reviewed", True)
    return Translation(locale, translated, defaults, labels, bool(reviewed))


def load_template(root: Path) -> CampaignTemplate:
    """Load a template or raise TemplateInvalid listing every problem."""
    template, problems = check_template(root)
    if template is None:
        raise TemplateInvalid("\n".join(problems))
    return template
