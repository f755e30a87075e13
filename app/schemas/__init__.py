"""One schema per input: pydantic models that validate API bodies, console and portal forms, import
rows and webhook payloads alike, and write the OpenAPI document's schemas.

Values the partner program declares (types, tiers, regions, attributes) are never listed here: their
validators ask the program given to `validate`, and openapi.py lists them as enums when it writes
the document.
"""

from app.schemas.base import SchemaInvalid, json_schema, validate

__all__ = ["SchemaInvalid", "json_schema", "validate"]
