"""Contract tests for the UpdateContact API.

Import it to validate payloads before sending them::

    import contract
    contract.validate_update({"name": "Ada", "status": "on"})
"""

from contract.schema import Contract, SchemaExtensionError, load_contract
from contract.validation import (
    UpdateValidator,
    is_valid_update,
    iter_violations,
    validate_update,
    validator_for,
)
from contract.violations import DeprecatedPropertyWarning, PayloadError, Violation

__version__ = "0.1.0"

__all__ = [
    "Contract",
    "DeprecatedPropertyWarning",
    "PayloadError",
    "SchemaExtensionError",
    "UpdateValidator",
    "Violation",
    "__version__",
    "is_valid_update",
    "iter_violations",
    "load_contract",
    "validate_update",
    "validator_for",
]
