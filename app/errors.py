"""Every error Cobrand raises on purpose. Messages name the input at fault and what is valid."""


class CobrandError(Exception):
    """Base class: an error with a one-line message meant for a person."""


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
