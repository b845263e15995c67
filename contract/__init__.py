"""Contract tests for the UpdateContact API.

Import it to validate payloads before sending them::

    import contract
    contract.validate_update({"name": "Ada", "status": "on"})

The names below load on first use, so that ``import contract`` (and every ``contract``
command, which starts with it) costs nothing until a name is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract.core.schema import Contract, SchemaExtensionError, load_contract
    from contract.core.validation import (
        UpdateValidator,
        is_valid_update,
        iter_violations,
        validate_update,
        validator_for,
    )
    from contract.core.violations import DeprecatedPropertyWarning, PayloadError, Violation
    from contract.guards import GuardedSafeTransport, GuardedTransport, guard, guarded_proxy

__version__ = "0.1.0"

_HOMES = {
    "GuardedSafeTransport": "contract.guards",
    "GuardedTransport": "contract.guards",
    "guard": "contract.guards",
    "guarded_proxy": "contract.guards",
    "Contract": "contract.core.schema",
    "SchemaExtensionError": "contract.core.schema",
    "load_contract": "contract.core.schema",
    "UpdateValidator": "contract.core.validation",
    "is_valid_update": "contract.core.validation",
    "iter_violations": "contract.core.validation",
    "validate_update": "contract.core.validation",
    "validator_for": "contract.core.validation",
    "DeprecatedPropertyWarning": "contract.core.violations",
    "PayloadError": "contract.core.violations",
    "Violation": "contract.core.violations",
}

__all__ = [
    "Contract",
    "DeprecatedPropertyWarning",
    "GuardedSafeTransport",
    "GuardedTransport",
    "PayloadError",
    "SchemaExtensionError",
    "UpdateValidator",
    "Violation",
    "__version__",
    "guard",
    "guarded_proxy",
    "is_valid_update",
    "iter_violations",
    "load_contract",
    "validate_update",
    "validator_for",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'contract' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
