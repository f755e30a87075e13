"""One frozen settings object: defaults, then the environment, then overrides; limits come from it alone."""

from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Callable

import pytest
from flask import Flask
from PIL import Image

from app.config import MiB, load_settings
from app.errors import UploadRejected
from app.partners import check_logo
from tests.api_support import bearer, make_token

PARTNER = {"slug": "acme", "name": "Acme IT", "type": "reseller", "tier": "gold", "region": "emea"}


def test_settings_come_from_defaults_then_environment_then_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("MAX_LOGO_BYTES", "1234")
    monkeypatch.setenv("JOB_RETRY_INTERVALS", "1, 2,3")
    monkeypatch.setenv("APPROVAL_REQUIRED", "true")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cobrand.example/")
    monkeypatch.setenv("LOG_FORMAT", "")  # empty counts as unset
    settings = load_settings({"MAX_DESIGN_PAGES": "7", "TESTING": True})
    assert (settings.SECRET_KEY, settings.MAX_LOGO_BYTES, settings.JOB_RETRY_INTERVALS) == (
        "from-env",
        1234,
        (1, 2, 3),
    )
    assert settings.APPROVAL_REQUIRED is True and settings.PUBLIC_BASE_URL == "https://cobrand.example"
    assert (settings.LOG_FORMAT, settings.MAX_DESIGN_PAGES, settings.MAX_DESIGN_BYTES) == (
        "text",
        7,
        16 * MiB,
    )
    # Flask's own keys ride along, so the app takes the settings whole.
    assert settings["TESTING"] is True and dict(settings)["MAX_LOGO_BYTES"] == 1234
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.MAX_LOGO_BYTES = 1  # type: ignore[misc]
    monkeypatch.setenv("MAX_LOGO_BYTES", "lots")
    with pytest.raises(ValueError, match="^MAX_LOGO_BYTES: 'lots' is not a valid int$"):
        load_settings()
    assert os.environ["SECRET_KEY"] == "from-env"


def _png_over_6_mib() -> bytes:
    # Noise does not compress, so the PNG is as big as its pixels: 1500×1450 RGB ≈ 6.2 MiB.
    image = Image.frombytes("RGB", (1500, 1450), os.urandom(1500 * 1450 * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)
    data = out.getvalue()
    assert 6 * MiB < len(data) < 8 * MiB
    return data


def test_a_6_mib_logo_passes_with_max_logo_bytes_8_mib_and_not_with_the_default(
    make_app: Callable[..., Flask],
) -> None:
    logo = _png_over_6_mib()
    for limit, expected in ((8 * MiB, 200), (None, 413)):
        app = make_app(**({"MAX_LOGO_BYTES": limit} if limit else {}))
        services = app.extensions["cobrand"]
        assert services.config.MAX_LOGO_BYTES == (limit or 5 * MiB)
        client, headers = app.test_client(), bearer(make_token(services))
        assert client.post("/api/v1/partners", json=PARTNER, headers=headers).status_code == 201
        answer = client.put(
            "/api/v1/partners/acme/logo", data=logo, content_type="image/png", headers=headers
        )
        assert answer.status_code == expected, answer.get_json()
        if expected == 200:
            assert answer.get_json()["has_logo"] is True
            info, stored = check_logo(
                services, logo
            )  # the check every door (import, form, portal) goes through
            assert (info.kind, stored) == ("png", logo)
        else:
            with pytest.raises(UploadRejected, match="over the 5,242,880-byte limit"):
                check_logo(services, logo)
