"""The event contract: the versioned JSON Schema and the validation every consumer applies."""

from ecomlake.contracts.validate import (
    MAX_MESSAGE_BYTES,
    Rejection,
    load_schema,
    validate_message,
)

__all__ = ["MAX_MESSAGE_BYTES", "Rejection", "load_schema", "validate_message"]
