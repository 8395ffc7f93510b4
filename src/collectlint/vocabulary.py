"""The canonical contact-log vocabulary: column names and the values each column may take."""

from __future__ import annotations

COLUMNS: tuple[str, ...] = (
    "id",
    "time",
    "account",
    "debtor",
    "party",
    "to",
    "channel",
    "direction",
    "outcome",
    "timezone",
    "jurisdiction",
    "body",
    "kind",
)
"""Every canonical column, in the order reports and docs list them."""

REQUIRED_COLUMNS: tuple[str, ...] = ("time", "account")

OPTIONAL_COLUMNS: tuple[str, ...] = (
    "purpose",
    "agency",
    "agent",
    "campaign",
    "visibility",
    "number_type",
    "source",
    "device",
    "recording",
    "contact",
    "zip",
    "state",
)
"""Columns a log may carry and rules may test (`where: {purpose: validation_notice}`), read
when the file has them.  A log without one is read as if every cell were empty: a filter that
asks for a value does not match, `{present: false}` does.

`purpose` says what a communication is for (`validation_notice`, `verification`,
`termination_notice`, `remedy_notice`, `location_inquiry`, `legal_process`, ...); `agency` the
collector or firm that made it (Regulation F counts calls per debt collector); `agent` and
`campaign` who and which campaign; `visibility` who can see a social or IM post; `number_type`
the kind of number dialled; `source` where the number or address came from (`address_book`
for one scraped from the debtor's phone); `device` whose device sent it (`private` for a
collector's own phone); `recording` a reference to the call recording; `zip` and `state` the
consumer's US ZIP code and state (`MA`, `Massachusetts`), read for the consumer's zones and
jurisdiction (see `inputs.location`)."""

OPTIONAL_TEXT: frozenset[str] = frozenset({"recording", "contact"})
"""Optional columns read as plain text; the others have few distinct values (categoricals)."""

CATEGORICAL: tuple[str, ...] = (
    "party",
    "channel",
    "direction",
    "outcome",
    "kind",
    "timezone",
    "jurisdiction",
)
"""Columns with few distinct values.  They are held as Polars categoricals from the moment they
are read (a 4-byte code a row instead of a 16-byte string view), and tidied and validated once
per distinct value rather than once per row."""

PARTIES: frozenset[str] = frozenset(
    {
        "debtor",
        "spouse",
        "parent",
        "guardian",
        "executor",
        "successor_in_interest",
        "guarantor",
        "third_party",
        "emergency_contact",
        "employer",
        "attorney",
        "creditor",
        "credit_bureau",
    }
)
CHANNELS: frozenset[str] = frozenset(
    {"call", "sms", "email", "letter", "voicemail", "visit", "push", "social", "chat"}
)
DIRECTIONS: frozenset[str] = frozenset({"outbound", "inbound"})
OUTCOMES: frozenset[str] = frozenset(
    {
        "conversation",
        "voicemail",
        "no_answer",
        "busy",
        "not_connected",
        "sent",
        "delivered",
        "failed",
    }
)
EVENT_KINDS: frozenset[str] = frozenset(
    {
        "contact",
        "consent",
        "consent_revoked",
        "opt_out",
        "cease",
        "attorney",
        "dispute",
        "dispute_resolved",
        "bankruptcy",
        "deceased",
        "attorney_withdrawn",
        "attorney_consent",
        "bankruptcy_dismissed",
        "bankruptcy_discharged",
        "opt_in",
        "employer_prohibits",
        "third_party_refused",
        "unreachable",
        "outsourcing_notice",
        "incapacitated",
        "paid_in_full",
        "time_consent",
        "court_permission",
        "third_party_consent",
    }
)
"""`contact` is a communication (or an attempt); the others are account events that open or
close a state (`cease` ... `attorney_withdrawn`), grant or revoke permission, or record a
finding such as the debtor being `unreachable` after reasonable attempts."""
VISIBILITIES: frozenset[str] = frozenset({"private", "contacts", "public", "group"})
NUMBER_TYPES: frozenset[str] = frozenset({"home", "cell", "work", "other"})

ENUMERATED: dict[str, frozenset[str]] = {
    "party": PARTIES,
    "channel": CHANNELS,
    "direction": DIRECTIONS,
    "outcome": OUTCOMES,
    "kind": EVENT_KINDS,
    "visibility": VISIBILITIES,
    "number_type": NUMBER_TYPES,
}
"""Columns whose values are checked on read (when the log has them); an unknown value rejects
the row."""

DEFAULTS: dict[str, str] = {"party": "debtor", "direction": "outbound", "kind": "contact"}
"""Values an empty cell takes in these columns."""

FILTER_FIELDS: frozenset[str] = frozenset(
    {"account", "debtor", "party", "channel", "direction", "outcome", "jurisdiction", "kind", "to"}
    | set(OPTIONAL_COLUMNS)
    | {"body_is"}
)
"""Event fields a rule's `where:` filter may test (besides the columns a pack declares in
`fields:`).  `body_is` tests the whole message: its body, trimmed of spaces and end
punctuation and case-folded, is one of the values (an inbound `STOP`)."""

FIELD_NAME = r"^[a-z][a-z0-9_]{0,63}$"
"""What a pack-declared column name looks like (the log's own column, used as text)."""


def readable(extra: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Every field a log's columns are read as: canonical, optional, then `extra` (columns a
    pack declared)."""
    known = (*COLUMNS, *OPTIONAL_COLUMNS)
    return (*known, *sorted(extra - set(known)))


def is_categorical(name: str) -> bool:
    """Whether field `name` is held as a categorical."""
    return name in CATEGORICAL or (name in OPTIONAL_COLUMNS and name not in OPTIONAL_TEXT)
