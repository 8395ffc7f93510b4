"""collectlint: check debt-collection contacts against YAML compliance rule packs.

The library API is `check()` (contact logs and plans), `lint()` (message templates) and
`next_contact()` (when may this contact be made); each returns frozen values.  The command line
is a thin layer over them.
"""

from __future__ import annotations

from collectlint.api import check, load_packs
from collectlint.errors import (
    CollectlintError,
    InputError,
    InternalError,
    Problem,
    RuleFileError,
    UsageError,
)
from collectlint.findings import Findings
from collectlint.linting import lint
from collectlint.loading.packs import Pack
from collectlint.model import (
    Breakdown,
    CheckOptions,
    Comparison,
    FileDigest,
    InputFile,
    NextContact,
    Note,
    Origin,
    PackInfo,
    Period,
    ProfileRun,
    Rejection,
    Role,
    RuleSpec,
    RunContext,
    Setting,
    Severity,
    Source,
    Span,
    Summary,
    Suppression,
    Tallies,
    Tally,
    Violation,
)
from collectlint.report import Report
from collectlint.schedule import next_contact
from collectlint.version import __version__

__all__ = [
    "Breakdown",
    "CheckOptions",
    "CollectlintError",
    "Comparison",
    "FileDigest",
    "Findings",
    "InputError",
    "InputFile",
    "InternalError",
    "NextContact",
    "Note",
    "Origin",
    "Pack",
    "PackInfo",
    "Period",
    "Problem",
    "ProfileRun",
    "Rejection",
    "Report",
    "Role",
    "RuleFileError",
    "RuleSpec",
    "RunContext",
    "Setting",
    "Severity",
    "Source",
    "Span",
    "Summary",
    "Suppression",
    "Tallies",
    "Tally",
    "UsageError",
    "Violation",
    "__version__",
    "check",
    "lint",
    "load_packs",
    "next_contact",
]
