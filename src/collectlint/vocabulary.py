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
        "guardian",
        "executor",
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
    }
)

ENUMERATED: dict[str, frozenset[str]] = {
    "party": PARTIES,
    "channel": CHANNELS,
    "direction": DIRECTIONS,
    "outcome": OUTCOMES,
    "kind": EVENT_KINDS,
}
"""Columns whose values are checked on read; an unknown value rejects the row."""

DEFAULTS: dict[str, str] = {"party": "debtor", "direction": "outbound", "kind": "contact"}
"""Values an empty cell takes in these columns."""

FILTER_FIELDS: frozenset[str] = frozenset(
    {"account", "debtor", "party", "channel", "direction", "outcome", "jurisdiction", "kind", "to"}
)
"""Event fields a rule's `where:` filter may test."""
