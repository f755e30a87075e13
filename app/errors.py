"""Every error Cobrand raises on purpose. Messages name the input at fault and what is valid."""

import re

_SERVER_PATH = re.compile(
    r"(?<![\w.:/~-])/(?:work|root|home|usr|opt|tmp|var|srv|etc|mnt|private|Users|nix|proc|lib|lib64|sys)"
    r"(?:/[^\s'\"()<>,;:]+)*/?"
)
"""An absolute path on the server (a URL's path is preceded by its host, so it never matches)."""

_CONTENT_ROOTS = ("brand_kits/", "campaign_templates/")
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def _short_path(match: re.Match[str]) -> str:
    path = match.group().rstrip("/")
    for root in _CONTENT_ROOTS:
        at = path.rfind("/" + root)
        if at >= 0:
            return path[at + 1 :]  # the content's own path: the vendor knows it from the repository
    return path.rsplit("/", 1)[-1] or "(server path)"


def public_text(text: str) -> str:
    """Text fit to show a user: server paths cut to their file name, object reprs and tracebacks gone."""
    text = text.split("Traceback (most recent call last)", 1)[0].rstrip()
    return _OBJECT_REPR.sub("the data", _SERVER_PATH.sub(_short_path, text))


class CobrandError(Exception):
    """Base class: an error with a one-line message meant for a person (never a server path)."""

    def __str__(self) -> str:
        return public_text(super().__str__())


class BrandKitInvalid(CobrandError):
    """A brand kit folder or manifest is wrong."""


class TemplateInvalid(CobrandError):
    """A campaign template folder, manifest or template file is wrong."""


class RenderFailed(CobrandError):
    """Rendering one output for one partner failed."""


class UploadRejected(CobrandError):
    """An uploaded or imported file (a logo, a CSV) is not acceptable."""


class PartnerNotFound(CobrandError):
    """No partner has the given slug or id."""


class CampaignNotFound(CobrandError):
    """No campaign has the given slug or id."""


class InvalidInput(CobrandError):
    """A value given by a user or another system is not valid."""


class ProgramInvalid(CobrandError):
    """The partner program file is wrong."""


class NotApproved(CobrandError):
    """A campaign that needs approval was to be published without one."""
