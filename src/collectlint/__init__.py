"""collectlint: check debt-collection contacts against YAML compliance rule packs.

The library API is `check()`, which returns a frozen `Report`; the command line is a thin layer
over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

from collectlint.api import check, load_packs
from collectlint.errors import CollectlintError, InputError, RuleFileError, UsageError
from collectlint.findings import Findings
from collectlint.model import (
    InputFile,
    PackInfo,
    Rejection,
    Report,
    RuleSpec,
    Severity,
    Summary,
    Violation,
)

__all__ = [
    "CollectlintError",
    "Findings",
    "InputError",
    "InputFile",
    "PackInfo",
    "Rejection",
    "Report",
    "RuleFileError",
    "RuleSpec",
    "Severity",
    "Summary",
    "UsageError",
    "Violation",
    "__version__",
    "check",
    "load_packs",
]
