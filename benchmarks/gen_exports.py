"""Generate realistic dialer / SMS-gateway exports and the canonical log they should map to.

Usage::

    python benchmarks/gen_exports.py --rows 1000000 --out benchmarks/data/exports-1m [--seed 42]

Why: a collectlint *profile* (the mapping from a provider's export to the canonical log) is easy
to get subtly wrong: ``account = account_sid``, a ``failed`` call counted as placed, an agent's
softphone leg counted as a second call, an at-least-once duplicate counted twice, the consumer's
number read from ``to`` on an inbound row. This script writes, for ONE underlying set of contact
events, the files a collection team actually has (Twilio Call and Message exports, Twilio
BulkExport day files, Amazon Connect contact records as Kinesis Firehose delivers them, a CRM
extract) together with the hand-normalised canonical log (``canonical.csv``, README columns) and
a ``manifest.json`` of the row counts a correct profile must reproduce. A profile author converts
an export, diffs it with ``canonical.csv`` (or ``canonical_connect.csv`` for Connect) and checks
the manifest's counts. ``benchmarks/EXPORTS.md`` has the mapping rules and the sources.

``--rows N`` is the number of underlying consumer-facing contact events (calls and texts; about
62 % calls). The files hold more rows than that (softphone legs, STOP auto-replies, duplicates,
transfer legs) and the canonical log a little fewer or more (canceled texts and numbers missing
from the CRM drop out, numbers shared by two debts fan out). The manifest says exactly how many.

Deterministic: the same ``--rows`` and ``--seed`` write byte-for-byte the same files (gzip
headers carry no time stamp). Streaming: events are generated a few UTC days at a time (about
100,000 events per chunk, each chunk with its own seeded generator), each chunk is appended to
every output and dropped, so memory is bounded by the chunk and the CRM (``rows / 15`` numbers).
numpy draws the random numbers, polars builds every string (RFC 2822 and ISO times, CSV quoting,
JSON via ``struct.json_encode``), and gzip runs on a worker thread while the next chunk is built.

Vocabularies (all values below are used exactly as the sources spell them; where a source lists
more values than a finished export of past days contains, the unused ones are named too):

* Twilio Call resource (``twilio_calls.csv``; columns in the order of the Call resource schema
  ``api.v2010.account.call`` in twilio/twilio-oai ``spec/json/twilio_api_v2010.json``, minus
  the nested ``subresource_uris``): ``sid`` (``CA`` + 32 hex), ``account_sid`` (``AC`` + 32 hex,
  one value for the whole export: the Twilio account, never a debt), ``parent_call_sid``,
  ``from``/``to`` (E.164, ``client:agent007`` for a Voice SDK softphone leg), ``status`` from
  ``call_enum_status`` = queued, ringing, in-progress, completed, busy, failed, no-answer,
  canceled (a finished export has only the last five), ``direction`` = inbound, outbound-api,
  outbound-dial (trunking-originating / trunking-terminating exist for Elastic SIP Trunking and
  are not generated), ``answered_by`` (only with answering-machine detection) = human,
  machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax, unknown (the
  Insights ``call_summaries_enum_answered_by`` enum and the AMD guide; the Call schema's own
  description still says "Either human or machine"), ``date_created``/``date_updated``/
  ``start_time``/``end_time`` RFC 2822 in UTC (``Tue, 10 Mar 2026 15:04:05 +0000``), ``duration``
  a string of seconds, empty "for busy, failed, unanswered, or ongoing calls", ``end_time`` empty
  "if the call did not complete successfully", ``start_time`` empty "if the call has not yet been
  dialed" (here: half of the canceled calls, canceled while queued). Sources:
  https://www.twilio.com/docs/voice/api/call-resource,
  https://www.twilio.com/docs/voice/answering-machine-detection,
  https://github.com/twilio/twilio-oai (spec/json/twilio_api_v2010.json, twilio_insights_v1.json).
* Twilio Message resource (``twilio_messages.csv``; columns in the order of
  ``api.v2010.account.message``): ``sid`` (``SM`` + 32 hex), ``direction`` from
  ``message_enum_direction`` = inbound, outbound-api, outbound-call, outbound-reply; ``status``
  from ``message_enum_status`` = queued, sending, sent, failed, delivered, undelivered,
  receiving, received, accepted, scheduled, read, partially_delivered, canceled (generated:
  delivered, sent, undelivered, failed, canceled, received); ``date_created``/``date_sent``/
  ``date_updated`` RFC 2822; ``num_segments`` a string; ``error_code`` an integer or empty.
  Source: https://www.twilio.com/docs/messaging/api/message-resource and the same OpenAPI file.
* Twilio BulkExport (``twilio_bulkexport/Messages/YYYY-MM-DD.json.gz`` and
  ``twilio_bulkexport/Calls/YYYY-MM-DD.json.gz``): one gzip file of JSON lines per UTC day and
  resource type (the Day resource belongs to ``/v1/Exports/{ResourceType}/Days``). Records are the
  resource's fields with the documented differences: messages lack ``price_unit`` (the page says
  "price_units"), ``api_version``, ``error_message``, ``uri`` and ``subresource_uris``; calls lack
  ``uri`` and ``subresource_uris``; every time stamp is UTC ISO 8601 (written
  ``2026-03-10T15:04:05Z``; the page does not fix the exact form). The day is the UTC date of
  ``date_created``. Source: https://www.twilio.com/docs/usage/bulkexport/day.
* Amazon Connect contact records (``connect_ctr.json``): JSON objects concatenated with no
  delimiter, as Firehose writes them to S3 by default
  (https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html); about 3 % of the
  contacts appear twice (delivered "at least once"; keep the copy with the latest
  ``LastUpdateTimestamp``, deduplicate on ``ContactId``). Fields (keys in alphabetical order) as in
  https://docs.aws.amazon.com/connect/latest/adminguide/ctr-data-model.html: ``ContactId``
  (UUID), ``Channel`` = VOICE (the model also has CHAT, TASK, EMAIL), ``InitiationMethod`` =
  INBOUND, OUTBOUND (agent dialled from the CCP), API (outbound-campaign dialer), TRANSFER (a
  transfer leg: a new record with ``PreviousContactId``); the model also has CALLBACK,
  QUEUE_TRANSFER, DISCONNECT, MONITOR, EXTERNAL_OUTBOUND, WEBRTC_API, AGENT_REPLY, FLOW.
  ``InitiationTimestamp``/``ConnectedToSystemTimestamp``/``DisconnectTimestamp``/
  ``LastUpdateTimestamp`` ``yyyy-mm-ddThh:mm:ssZ``; ``CustomerEndpoint``/``SystemEndpoint``
  ``{Address, Type: TELEPHONE_NUMBER}`` (the consumer is ``CustomerEndpoint`` in both
  directions); ``Agent`` an object with ``Username`` or null; ``Queue`` an object or null;
  ``Attributes`` user-defined strings; ``Campaign {CampaignId}`` on dialer calls;
  ``AnsweringMachineDetectionStatus`` on dialer calls = HUMAN_ANSWERED, VOICEMAIL_BEEP,
  VOICEMAIL_NO_BEEP, FAX_MACHINE_DETECTED, AMD_UNRESOLVED, AMD_UNANSWERED, SIT_TONE_BUSY,
  SIT_TONE_INVALID_NUMBER, AMD_NOT_APPLICABLE (the API ``Contact`` type also lists ANSWERED,
  UNDETECTED, ERROR, SIT_TONE_DETECTED, AMD_ERROR:
  https://docs.aws.amazon.com/connect/latest/APIReference/API_Contact.html);
  ``DisconnectReason`` = CUSTOMER_DISCONNECT, AGENT_DISCONNECT, CONTACT_FLOW_DISCONNECT,
  TELECOM_BUSY, TELECOM_TIMEOUT, TELECOM_NUMBER_INVALID, TELECOM_PROBLEM,
  TELECOM_ORIGINATOR_CANCEL. Which AMD status and disconnect reason go with which Twilio outcome is
  this generator's consistent choice, not something either provider documents. Connect carries
  the calls only (no texts).
* Numbers: E.164 ``+1 NPA 55X XXXX`` (exchanges 555-559, never 555-1212) over area codes chosen
  to include multi-zone ones (850 Florida panhandle, 219/317/812 Indiana, 270/502/606 Kentucky,
  423/615/865/931 Tennessee, 915 El Paso and 432 Texas, 208 Idaho, 541 Oregon, 308/402 Nebraska,
  605 South Dakota, 701 North Dakota, 620/785 Kansas), 907 Alaska (a few in America/Adak), 808
  Hawaii, 787 Puerto Rico, toll-free 800/888 consumer numbers, and ``+86 139 00XX XXXX`` numbers
  (Asia/Shanghai). Each number's true zone comes from the ZIP prefix of its region; the CRM's
  ``timezone`` column is that zone, or empty for about 4 % of the numbers.

The canonical mapping (checked by ``canonical.csv``): one event per consumer-facing call or text,
``id`` = the Twilio ``sid`` (``sid:account`` for each of the two debts of a number the CRM maps
to two debts), duplicate rows dropped, softphone legs (``client:`` in ``from`` or ``to``)
excluded, canceled texts excluded (a canceled message was never sent); ``time`` = ``start_time``
(``date_created`` when empty) for calls and ``date_sent`` (``date_created`` when empty) for texts;
calls: completed + ``answered_by`` machine_* -> voicemail, fax -> no_answer (connected, no
conversation), other completed -> conversation (including ``unknown``, the conservative
reading), no-answer -> no_answer, busy ->
busy, failed/canceled -> not_connected; texts: delivered -> delivered, sent -> sent,
failed/undelivered -> failed, received (inbound) -> delivered; direction outbound-* -> outbound,
inbound -> inbound; the consumer's number is ``to`` on outbound rows and ``from`` on inbound ones
and is joined to ``crm_accounts.csv`` on ``phone`` (numbers not in the CRM are dropped, counted in
the manifest); ``party`` = debtor, ``kind`` = contact, ``timezone`` = the CRM ``timezone`` (empty
when the CRM has none: those ids are listed in ``canonical_no_timezone.txt``), ``jurisdiction`` =
``US-`` + the CRM ``state`` (empty when the CRM has no state), and ``zip`` and ``state`` as the
CRM has them (collectlint takes candidate zones from them and from the number, as it does
when a profile joins the CRM).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import hourly_offsets
from generate import parse_rows as parse_count

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
BOOL = npt.NDArray[np.bool_]

#: The exports cover 2026-02-16 .. 2026-04-16 (UTC days), across the 2026-03-08 US DST change.
SPAN_START = datetime(2026, 2, 16, tzinfo=UTC)
SPAN_DAYS = 60
SPAN_START_S = int(SPAN_START.timestamp())
DAY = 86_400
#: Hourly UTC-offset table range, with margin on both sides of the span.
LUT_START_S = SPAN_START_S - 2 * DAY
LUT_HOURS = (SPAN_DAYS + 4) * 24
#: Target number of consumer-facing events generated (and held in memory) at a time.
CHUNK_EVENTS = 100_000
#: Consumer numbers per event (the CRM has about rows / 15 numbers).
EVENTS_PER_NUMBER = 15

RFC2822 = "%a, %d %b %Y %H:%M:%S +0000"
ISO_Z = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Region:
    """Where a consumer number lives: its area code, state, a ZIP prefix there, its IANA zone
    (the zone of that ZIP prefix, so two regions of one area code may differ) and its weight."""

    npa: str
    state: str
    zip3: str
    zone: str
    weight: float


REGIONS: tuple[Region, ...] = (
    Region("212", "NY", "100", "America/New_York", 5.0),
    Region("718", "NY", "112", "America/New_York", 4.0),
    Region("305", "FL", "331", "America/New_York", 3.0),
    Region("850", "FL", "323", "America/New_York", 1.0),  # Tallahassee: Eastern
    Region("850", "FL", "325", "America/Chicago", 1.0),  # Pensacola: Central
    Region("404", "GA", "303", "America/New_York", 3.0),
    Region("617", "MA", "021", "America/New_York", 2.0),
    Region("317", "IN", "462", "America/Indiana/Indianapolis", 2.0),
    Region("219", "IN", "463", "America/Chicago", 1.0),  # Gary, NW Indiana: Central
    Region("812", "IN", "477", "America/Chicago", 1.0),  # Evansville: Central
    Region("812", "IN", "474", "America/Indiana/Indianapolis", 1.0),  # Bloomington: Eastern
    Region("502", "KY", "402", "America/Kentucky/Louisville", 2.0),
    Region("270", "KY", "421", "America/Chicago", 1.0),  # Bowling Green: Central
    Region("606", "KY", "415", "America/New_York", 1.0),  # Pikeville: Eastern
    Region("865", "TN", "379", "America/New_York", 1.0),  # Knoxville: Eastern
    Region("423", "TN", "374", "America/New_York", 1.0),  # Chattanooga: Eastern
    Region("615", "TN", "372", "America/Chicago", 2.0),  # Nashville: Central
    Region("931", "TN", "384", "America/Chicago", 1.0),  # Columbia: Central
    Region("214", "TX", "752", "America/Chicago", 3.0),
    Region("915", "TX", "799", "America/Denver", 1.0),  # El Paso: Mountain
    Region("432", "TX", "797", "America/Chicago", 1.0),  # Midland: Central
    Region("312", "IL", "606", "America/Chicago", 3.0),
    Region("402", "NE", "681", "America/Chicago", 1.0),  # Omaha
    Region("308", "NE", "688", "America/Chicago", 0.6),  # Grand Island: Central
    Region("308", "NE", "693", "America/Denver", 0.4),  # Scottsbluff: Mountain
    Region("605", "SD", "571", "America/Chicago", 0.7),  # Sioux Falls: Central
    Region("605", "SD", "577", "America/Denver", 0.5),  # Rapid City: Mountain
    Region("701", "ND", "581", "America/Chicago", 0.7),  # Fargo: Central
    Region("701", "ND", "586", "America/Denver", 0.3),  # Dickinson: Mountain
    Region("785", "KS", "666", "America/Chicago", 0.8),  # Topeka: Central
    Region("785", "KS", "677", "America/Denver", 0.2),  # Goodland: Mountain
    Region("620", "KS", "678", "America/Chicago", 0.6),  # Dodge City: Central
    Region("303", "CO", "802", "America/Denver", 2.0),
    Region("602", "AZ", "850", "America/Phoenix", 2.0),
    Region("208", "ID", "837", "America/Boise", 1.0),  # Boise: Mountain
    Region("208", "ID", "838", "America/Los_Angeles", 0.6),  # Coeur d'Alene: Pacific
    Region("541", "OR", "977", "America/Los_Angeles", 1.0),  # Bend: Pacific
    Region("541", "OR", "979", "America/Boise", 0.2),  # Ontario, Malheur County: Mountain
    Region("213", "CA", "900", "America/Los_Angeles", 4.0),
    Region("206", "WA", "981", "America/Los_Angeles", 2.0),
    Region("702", "NV", "891", "America/Los_Angeles", 1.0),
    Region("907", "AK", "995", "America/Anchorage", 0.6),
    Region("907", "AK", "995", "America/Adak", 0.03),
    Region("808", "HI", "968", "Pacific/Honolulu", 0.8),
    Region("787", "PR", "009", "America/Puerto_Rico", 0.5),
)
CN_ZONE = "Asia/Shanghai"
ZONES: tuple[str, ...] = (*sorted({r.zone for r in REGIONS}), CN_ZONE)
#: Consumer number kinds: ordinary US, US toll-free (800/888), China mobile (+86).
KIND_P = (0.975, 0.012, 0.013)
TOLL_FREE = ("800", "888")
#: Line numbers per area code: exchanges 555..559 x 0000..9999, minus 555-1212.
LINES_PER_NPA = 50_000 - 1
CN_PREFIX = "+8613900"
CN_LINES = 1_000_000

#: Shares in the CRM.
NOT_IN_CRM = 0.02
NO_TIMEZONE = 0.04
NO_ADDRESS = 0.01
SECOND_NUMBER = 0.08  # a number that is an account's second number
TWO_DEBTS = 0.05  # a number the CRM maps to two debts
TWO_DEBTS_SAME_DEBTOR = 0.7

#: The agency's own numbers (Twilio numbers / Connect claimed numbers) and SMS senders.
CALLER_IDS = ("+12125550147", "+13125550162", "+18885550143", "+18335550178", "+14045550119")
SMS_SENDERS = ("+18885550143", "+12125550147", "89321")
SMS_SENDER_P = (0.5, 0.3, 0.2)
AGENTS = 60

CALL_SHARE = 0.62
#: Call flows: 0 dialer (outbound-api with AMD), 1 agent softphone click-to-call (the consumer
#: leg is outbound-dial under a client: parent), 2 inbound.
CALL_FLOW_P = (0.68, 0.22, 0.10)
CALL_STATUS = ("completed", "no-answer", "busy", "failed", "canceled")
COMPLETED, NO_ANSWER, BUSY, FAILED, CANCELED = range(5)
DIALER_STATUS_P = (0.56, 0.25, 0.08, 0.07, 0.04)
CLICK_STATUS_P = (0.58, 0.27, 0.08, 0.04, 0.03)
ANSWERED_BY = (
    "human",
    "machine_start",
    "machine_end_beep",
    "machine_end_silence",
    "machine_end_other",
    "fax",
    "unknown",
)
ANSWERED_BY_P = (0.42, 0.08, 0.26, 0.07, 0.05, 0.02, 0.10)
HUMAN, MACHINE_START, MACHINE_BEEP, MACHINE_SILENCE, MACHINE_OTHER, FAX, UNKNOWN = range(7)
#: Connect rendering of Twilio's answered_by (dialer calls that completed).
AMD_STATUS = (
    "HUMAN_ANSWERED",
    "VOICEMAIL_NO_BEEP",
    "VOICEMAIL_BEEP",
    "VOICEMAIL_NO_BEEP",
    "VOICEMAIL_NO_BEEP",
    "FAX_MACHINE_DETECTED",
    "AMD_UNRESOLVED",
)
#: Connect AMD status of dialer calls that did not complete (index = Twilio status).
AMD_STATUS_NOT_CONNECTED = ("", "AMD_UNANSWERED", "SIT_TONE_BUSY", "SIT_TONE_INVALID_NUMBER")
HUMAN_TO_AGENT = 0.9
INBOUND_TO_AGENT = 0.7
TRANSFER_SHARE = 0.04
CTR_DUPLICATE_SHARE = 0.03
CSV_DUPLICATE_SHARE = 0.003

#: Message flows: 0 outbound-api, 1 outbound-call (sent during a call), 2 inbound.
MSG_FLOW_P = (0.86, 0.02, 0.12)
MSG_STATUS = ("delivered", "sent", "undelivered", "failed", "canceled", "received")
DELIVERED, SENT, UNDELIVERED, MFAILED, MCANCELED, RECEIVED = range(6)
OUT_MSG_STATUS_P = (0.76, 0.12, 0.055, 0.045, 0.02)
UNDELIVERED_CODES = (30003, 30005, 30006, 30007, 30008)
FAILED_CODES = (21610, 30006, 21211)

#: Outbound texts (placeholders: {name} {amt} {last4}); the last one is the careless template.
SMS_TEMPLATES: tuple[str, ...] = (
    "Hi {name}, this is Acme Recovery, a debt collector. Your balance of ${amt} is past due. "
    "Call 1-888-555-0143 or pay at acmerecovery.example/pay. Reply STOP to opt out.",
    "Acme Recovery (debt collector): {name}, a payment of ${amt} is due on your account ending "
    "{last4}. Reply STOP to opt out.",
    "Reminder from Acme Recovery, a debt collector: your payment plan installment of ${amt} is "
    "due Friday. Msg&data rates may apply. Reply STOP to opt out.",
    "{name}, thank you for your payment of ${amt}. Acme Recovery is a debt collector. Reply STOP "
    "to opt out.",
    "Hola {name}, le escribe Acme Recovery, una agencia de cobranza. Su saldo de ${amt} está "
    "vencido. Responda STOP para no recibir más mensajes.",
    "This is Acme Recovery, a debt collector. This is an attempt to collect a debt and any "
    "information obtained will be used for that purpose. Your balance is ${amt}. Call us at "
    "1-888-555-0143 Mon-Fri 8am-8pm. Reply STOP to opt out.",
    "Call us today about your account. ${amt} due.",
)
SMS_TEMPLATE_P = (0.30, 0.22, 0.18, 0.10, 0.07, 0.10, 0.03)
DURING_CALL_TEMPLATE = (
    "Here is the secure payment link we discussed: acmerecovery.example/p/{last4}. "
    "Acme Recovery, a debt collector. Reply STOP to opt out."
)
#: Inbound replies; the first seven are Twilio's default opt-out keywords (STOP, STOPALL,
#: UNSUBSCRIBE, CANCEL, END, QUIT; case-insensitive, single word), answered by an outbound-reply
#: confirmation; "stop." and "Please stop texting me" are not exact keywords.
INBOUND_BODIES: tuple[str, ...] = (
    "STOP",
    "Stop",
    "stop",
    "UNSUBSCRIBE",
    "End",
    "Quit",
    "STOPALL",
    "stop.",
    "Please stop texting me",
    "Who is this?",
    "I already paid this",
    "Can I pay $50 a month?",
    "wrong number",
    "Call me after 5",
    "Ok",
    "I'll pay Friday",
)
INBOUND_BODY_P = (
    0.14,
    0.05,
    0.05,
    0.02,
    0.01,
    0.01,
    0.01,
    0.03,
    0.04,
    0.14,
    0.10,
    0.10,
    0.06,
    0.08,
    0.08,
    0.08,
)
OPT_OUT_KEYWORDS = 7
OPT_OUT_REPLY = (
    "You have successfully been unsubscribed. You will not receive any more messages from this "
    "number. Reply START to resubscribe."
)
FIRST_NAMES = (
    "Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "David", "Elizabeth",
    "William", "Barbara", "Jose", "Susan", "Wei", "Jessica", "Carlos", "Sarah", "Thomas",
    "Karen", "Daniel", "Nancy", "Luis", "Lisa", "Kevin", "Ana", "Brian", "Sandra", "Jian",
)  # fmt: skip
CAMPAIGNS = ("early-stage-2026q1", "late-stage-2026q1", "payment-plan-reminders")
WRAPUPS = ("PROMISE_TO_PAY", "CALLBACK_REQUESTED", "DISPUTE", "NO_CONTACT", "PAID")

#: Output column orders.
CALL_COLUMNS = (
    "sid", "date_created", "date_updated", "parent_call_sid", "account_sid", "to",
    "to_formatted", "from", "from_formatted", "phone_number_sid", "status", "start_time",
    "end_time", "duration", "price", "price_unit", "direction", "answered_by", "api_version",
    "forwarded_from", "group_sid", "caller_name", "queue_time", "trunk_sid", "uri",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "body", "num_segments", "direction", "from", "to", "date_updated", "price",
    "error_message", "uri", "account_sid", "num_media", "status", "messaging_service_sid",
    "sid", "date_sent", "date_created", "error_code", "price_unit", "api_version",
)  # fmt: skip
CALL_TIMES = ("date_created", "date_updated", "start_time", "end_time")
MESSAGE_TIMES = ("date_created", "date_updated", "date_sent")
BULK_MESSAGE_DROP = ("price_unit", "api_version", "error_message", "uri")
BULK_CALL_DROP = ("uri",)
CANONICAL_COLUMNS = (
    "id", "time", "account", "debtor", "party", "to", "channel", "direction", "outcome",
    "timezone", "jurisdiction", "body", "kind", "zip", "state",
)  # fmt: skip
CRM_COLUMNS = ("phone", "account", "debtor", "timezone", "zip", "state")
#: Canonical outcomes.
CALL_OUTCOMES = ("conversation", "voicemail", "no_answer", "busy", "not_connected")
MSG_OUTCOMES = ("delivered", "sent", "failed")


def parse_rows(text: str) -> int:
    """A row count such as ``1000000``, ``10k``, ``1m`` or ``1e6`` (as `generate.py` reads
    it), at least 1."""
    value = parse_count(text)
    if value < 1:
        raise argparse.ArgumentTypeError("--rows must be at least 1")
    return value


# ---- time zones ------------------------------------------------------------------------------


def offset_table() -> I64:
    """UTC offset (seconds) of each zone in ZONES for each UTC hour from LUT_START_S (every 2026
    transition of these zones falls on a whole UTC hour, so hourly steps are exact)."""
    return hourly_offsets(ZONES, LUT_START_S, LUT_HOURS)


def local_to_utc(local: I64, zone: I64, table: I64) -> I64:
    """Map local wall-clock seconds (counted as if UTC) to UTC seconds in each row's zone (two
    fixed-point steps through the offset table; a wall time in a spring-forward gap lands an hour
    later)."""

    def off(utc: I64) -> I64:
        h = np.clip((utc - LUT_START_S) // 3600, 0, LUT_HOURS - 1)
        return np.asarray(table[zone, h], dtype=np.int64)

    u = local - table[zone, 0]
    u = local - off(u)
    return local - off(u)


# ---- identifiers -----------------------------------------------------------------------------


def rand_hex(rng: np.random.Generator, n: int) -> pl.Series:
    """``n`` random 32-hex-digit strings, with the version and variant bits of a UUID v4 set
    (so a Twilio sid's hex part is also a valid Connect ContactId)."""
    if n == 0:
        return pl.Series([], dtype=pl.String)
    b = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    text = b.tobytes().hex().encode()
    return pl.Series(np.frombuffer(text, dtype="S32")).cast(pl.String)


def one_hex(rng: np.random.Generator) -> str:
    """One random 32-hex-digit string."""
    return str(rand_hex(rng, 1)[0])


def uuid_expr(hex32: pl.Expr) -> pl.Expr:
    """Format 32 hex digits as an 8-4-4-4-12 UUID."""
    return pl.concat_str(
        [hex32.str.slice(a, b) for a, b in ((0, 8), (8, 4), (12, 4), (16, 4), (20, 12))],
        separator="-",
    )


def uuid_str(hex32: str) -> str:
    """Format 32 hex digits as an 8-4-4-4-12 UUID."""
    h = hex32
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def pick(rng: np.random.Generator, n: int, p: tuple[float, ...]) -> I64:
    """``n`` category codes drawn with probabilities ``p`` (normalised)."""
    w = np.asarray(p, dtype=np.float64)
    return np.asarray(rng.choice(len(p), size=n, p=w / w.sum()), dtype=np.int64)


def lut(codes: pl.Expr, values: tuple[str, ...]) -> pl.Expr:
    """Replace integer codes by the strings of ``values``."""
    return codes.replace_strict(list(range(len(values))), list(values), return_dtype=pl.String)


def fmt_time(col: str, fmt: str) -> pl.Expr:
    """Epoch seconds (nullable) as text."""
    return pl.from_epoch(pl.col(col), time_unit="s").dt.strftime(fmt)


def formatted_number(col: pl.Expr) -> pl.Expr:
    """Twilio's ``*_formatted``: ``(212) 555-0147`` for NANP numbers, anything else unchanged."""
    nanp = col.str.starts_with("+1") & (col.str.len_chars() == 12)
    return (
        pl.when(nanp)
        .then(
            pl.concat_str(
                [
                    pl.lit("("),
                    col.str.slice(2, 3),
                    pl.lit(") "),
                    col.str.slice(5, 3),
                    pl.lit("-"),
                    col.str.slice(8, 4),
                ]
            )
        )
        .otherwise(col)
    )


def price_expr(units: pl.Expr) -> pl.Expr:
    """A Twilio price string from units of 1e-5 USD below one dollar (``-0.01400``)."""
    return pl.lit("-0.") + units.cast(pl.String).str.zfill(5)


# ---- the consumer population and the CRM -------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """The consumer numbers, with their true zone, CRM attributes and activity."""

    phones: pl.Series  # E.164
    zone: I64  # index into ZONES (the true zone of the number's address)
    cum_activity: F64  # cumulative activity weights, for drawing which number an event uses
    first_name: pl.Series
    amount_cents: I64
    crm: pl.DataFrame  # the CRM extract, as written
    lookup: pl.DataFrame  # pidx, account, debtor, timezone, jurisdiction, zip, state, fan


def build_population(rows: int, seed: int) -> Population:
    """Draw the consumer numbers and the CRM extract (deterministic for ``seed``)."""
    rng = np.random.default_rng([seed, 0])
    n = max(40, rows // EVENTS_PER_NUMBER)
    kind = pick(rng, n, KIND_P)
    region = pick(rng, n, tuple(r.weight for r in REGIONS))
    npa = np.array([r.npa for r in REGIONS], dtype=object)[region]
    tf = kind == 1
    npa[tf] = np.array(TOLL_FREE, dtype=object)[rng.integers(0, len(TOLL_FREE), int(tf.sum()))]
    phones = np.empty(n, dtype=object)
    us = kind != 2
    for code in sorted({str(x) for x in npa[us]}):
        idx = np.flatnonzero(us & (npa == code))
        if len(idx) > LINES_PER_NPA:
            raise SystemExit(f"--rows too large: area code {code} would need {len(idx)} numbers")
        line = rng.choice(LINES_PER_NPA, size=len(idx), replace=False)
        line = line + (line >= 1212)  # skip 555-1212 (directory assistance)
        phones[idx] = [f"+1{code}{555 + v // 10_000}{v % 10_000:04d}" for v in line.tolist()]
    cn = np.flatnonzero(kind == 2)
    cn_line = rng.choice(CN_LINES, size=len(cn), replace=False)
    phones[cn] = [f"{CN_PREFIX}{v:06d}" for v in cn_line.tolist()]
    zone_of_region = np.array([ZONES.index(r.zone) for r in REGIONS], dtype=np.int64)
    zone = np.where(kind == 2, ZONES.index(CN_ZONE), zone_of_region[region]).astype(np.int64)

    # accounts: a number's own account, or (SECOND_NUMBER) an earlier number's account
    acct = np.arange(n, dtype=np.int64)
    second = rng.random(n) < SECOND_NUMBER
    second[0] = False
    earlier = (rng.random(n) * np.arange(n)).astype(np.int64)
    acct[second] = earlier[second]
    for _ in range(64):  # resolve chains (an earlier number may itself be a second number)
        nxt = acct[acct]
        if np.array_equal(nxt, acct):
            break
        acct = nxt
    in_crm = rng.random(n) >= NOT_IN_CRM
    has_address = rng.random(n) >= NO_ADDRESS
    has_tz = has_address & (rng.random(n) >= NO_TIMEZONE)
    zip_tail = rng.integers(0, 100, n)
    fan = in_crm & (rng.random(n) < TWO_DEBTS)
    same_debtor = rng.random(n) < TWO_DEBTS_SAME_DEBTOR

    state = np.array([r.state for r in REGIONS], dtype=object)[region]
    zip3 = np.array([r.zip3 for r in REGIONS], dtype=object)[region]
    base = pl.DataFrame(
        {
            "pidx": np.arange(n, dtype=np.int64),
            "phone": pl.Series(phones.tolist(), dtype=pl.String),
            "acct_n": acct,
            "debtor_n": acct,
            "zone": pl.Series([ZONES[z] for z in zone.tolist()], dtype=pl.String),
            "state": pl.Series(state.tolist(), dtype=pl.String),
            "zip3": pl.Series(zip3.tolist(), dtype=pl.String),
            "zip_tail": zip_tail,
            "cn": kind == 2,
            "in_crm": in_crm,
            "has_address": has_address,
            "has_tz": has_tz,
            "fan": fan,
        }
    )
    fan_rows = base.filter(pl.col("fan")).with_columns(
        acct_n=n + pl.int_range(pl.len(), dtype=pl.Int64),
        debtor_n=pl.when(pl.Series(same_debtor[fan]))
        .then(pl.col("debtor_n"))
        .otherwise(n + pl.int_range(pl.len(), dtype=pl.Int64)),
    )
    c = pl.col
    rows_df = (
        pl.concat([base.filter(c("in_crm")), fan_rows])
        .sort("pidx", "acct_n")
        .with_columns(
            account=pl.lit("ACC") + (c("acct_n") + 1).cast(pl.String).str.zfill(8),
            debtor=pl.lit("DEB") + (c("debtor_n") + 1).cast(pl.String).str.zfill(8),
            timezone=pl.when(c("has_tz")).then(c("zone")).otherwise(pl.lit("")),
            zip=pl.when(c("has_address") & ~c("cn"))
            .then(c("zip3") + c("zip_tail").cast(pl.String).str.zfill(2))
            .otherwise(pl.lit("")),
            state_out=pl.when(c("has_address") & ~c("cn")).then(c("state")).otherwise(pl.lit("")),
        )
    )
    crm = rows_df.select("phone", "account", "debtor", "timezone", "zip", state=c("state_out"))
    lookup = rows_df.select(
        "pidx",
        "account",
        "debtor",
        timezone=pl.when(c("timezone") == "").then(None).otherwise(c("timezone")),
        jurisdiction=pl.when(c("state_out") == "")
        .then(None)
        .otherwise(pl.lit("US-") + c("state_out")),
        zip=pl.when(c("zip") == "").then(None).otherwise(c("zip")),
        state=pl.when(c("state_out") == "").then(None).otherwise(c("state_out")),
        fan=c("fan"),
    )
    activity = rng.lognormal(0.0, 0.9, n)
    names = pl.Series(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n).tolist()]
    return Population(
        phones=base["phone"],
        zone=zone,
        cum_activity=np.cumsum(activity),
        first_name=names,
        amount_cents=rng.integers(2_500, 250_000, n).astype(np.int64),
        crm=crm,
        lookup=lookup,
    )


# ---- output sinks ------------------------------------------------------------------------------


class DayFiles:
    """Daily gzip JSON-lines files under one directory, written on a worker thread in order.

    A day's file stays open until no later chunk can add to it (records only spill forward in
    time, a few seconds past their chunk), then it is closed."""

    def __init__(self, root: Path, pool: ThreadPoolExecutor) -> None:
        self.root = root
        self.pool = pool
        self.open: dict[int, gzip.GzipFile] = {}
        self.raw: dict[int, IO[bytes]] = {}
        self.records: Counter[int] = Counter()
        self.pending: list[Future[Any]] = []
        self.older: list[Future[Any]] = []
        root.mkdir(parents=True, exist_ok=True)

    def write(self, day: int, lines: str, count: int) -> None:
        """Append ``count`` JSON lines (already joined, newline-terminated) to UTC day ``day``."""
        if day not in self.open:
            name = (SPAN_START + timedelta(days=day)).strftime("%Y-%m-%d") + ".json.gz"
            raw = (self.root / name).open("wb")
            self.raw[day] = raw
            self.open[day] = gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0
            )
        self.records[day] += count
        self.pending.append(self.pool.submit(self.open[day].write, lines.encode()))

    def close_before(self, day: int) -> None:
        """Close every file of a UTC day before ``day``."""
        for d in sorted(k for k in self.open if k < day):
            gz, raw = self.open.pop(d), self.raw.pop(d)
            self.pending.append(self.pool.submit(_close, gz, raw))

    def wait_older(self) -> None:
        """Wait for the writes queued before the latest chunk (so that at most two chunks of
        text are held), and raise their errors."""
        for f in self.older:
            f.result()
        self.older, self.pending = self.pending, []

    def wait(self) -> None:
        """Wait for every queued write (and raise its error)."""
        self.wait_older()
        self.wait_older()


def _close(gz: gzip.GzipFile, raw: IO[bytes]) -> None:
    gz.close()
    raw.close()


@dataclass
class Sinks:
    """The open outputs."""

    calls: IO[bytes]
    messages: IO[bytes]
    ctr: IO[bytes]
    canonical: IO[bytes]
    canonical_connect: IO[bytes]
    no_tz: IO[bytes]
    bulk_calls: DayFiles
    bulk_messages: DayFiles


def write_csv(df: pl.DataFrame, out: IO[bytes], header: bool) -> None:
    """Append ``df`` to a CSV stream (nulls as empty cells)."""
    df.write_csv(out, include_header=header)


# ---- one chunk of events -----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Everything shared by the chunks."""

    seed: int
    pop: Population
    table: I64
    account_sid: str
    number_sids: dict[str, str]
    messaging_service_sid: str
    instance_arn: str
    campaign_ids: tuple[str, ...]
    agent_arns: tuple[str, ...]
    queue_arns: tuple[str, ...]


def day_counts(rows: int) -> I64:
    """Events per UTC day of the span (weekends lighter), summing exactly to ``rows``."""
    weekday = np.array(
        [(SPAN_START + timedelta(days=d)).weekday() for d in range(SPAN_DAYS)], dtype=np.int64
    )
    w = np.where(weekday == 6, 0.3, np.where(weekday == 5, 0.6, 1.0))
    exact = rows * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    rest = rows - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:rest]] += 1
    return np.asarray(counts, dtype=np.int64)


def gen_chunk(
    ctx: Context, index: int, day0: int, counts: I64, sinks: Sinks, tally: Counter[str]
) -> None:
    """Generate the events of UTC days ``day0 .. day0 + len(counts) - 1`` and append them to
    every output."""
    rng = np.random.default_rng([ctx.seed, 1 + index])
    pop = ctx.pop
    n = int(counts.sum())
    if n == 0:
        return
    lo = SPAN_START_S + day0 * DAY
    hi = lo + len(counts) * DAY
    day = np.repeat(np.arange(day0, day0 + len(counts), dtype=np.int64), counts)

    # which number, when (local business hours mostly, in the number's true zone)
    pidx = np.searchsorted(pop.cum_activity, rng.random(n) * pop.cum_activity[-1]).astype(np.int64)
    pidx = np.minimum(pidx, len(pop.zone) - 1)
    business = rng.integers(8 * 3600, 20 * 3600 + 45 * 60, n)
    anytime = rng.integers(0, DAY, n)
    sec = np.where(rng.random(n) < 0.06, anytime, business).astype(np.int64)
    utc = local_to_utc(SPAN_START_S + day * DAY + sec, pop.zone[pidx], ctx.table)
    utc = np.where(utc < lo, utc + DAY, utc)
    utc = np.where(utc >= hi, utc - DAY, utc)
    utc = np.clip(utc, lo, hi - 1)
    is_call = rng.random(n) < CALL_SHARE

    calls = _calls(ctx, rng, pidx[is_call], utc[is_call], tally)
    msgs = _messages(ctx, rng, pidx[~is_call], utc[~is_call], hi, tally)
    _write_twilio(ctx, rng, calls, msgs, sinks, tally, header=index == 0)
    _write_connect(ctx, rng, calls["consumer"], sinks, tally)
    _write_canonical(ctx, calls["consumer"], msgs["consumer"], sinks, tally, header=index == 0)
    sinks.bulk_calls.close_before(day0 + len(counts))
    sinks.bulk_messages.close_before(day0 + len(counts))


def _calls(
    ctx: Context, rng: np.random.Generator, pidx: I64, utc: I64, tally: Counter[str]
) -> dict[str, pl.DataFrame]:
    """The consumer-facing calls (with everything both Twilio and Connect need) and the
    softphone legs."""
    n = len(pidx)
    pop = ctx.pop
    flow = pick(rng, n, CALL_FLOW_P)
    status = np.where(
        flow == 0,
        pick(rng, n, DIALER_STATUS_P),
        np.where(flow == 1, pick(rng, n, CLICK_STATUS_P), COMPLETED),
    ).astype(np.int64)
    answered = np.where((flow == 0) & (status == COMPLETED), pick(rng, n, ANSWERED_BY_P), -1)
    queue_s = rng.integers(0, 3, n)
    ring = np.select(
        [status == COMPLETED, status == NO_ANSWER, status == BUSY, status == FAILED],
        [rng.integers(3, 25, n), rng.integers(20, 46, n), rng.integers(1, 5, n), np.zeros(n)],
        rng.integers(5, 21, n),
    ).astype(np.int64)
    talk = np.select(
        [
            flow == 2,
            flow == 1,
            answered == HUMAN,
            answered == FAX,
            answered == UNKNOWN,
        ],
        [
            rng.integers(40, 900, n),
            rng.integers(20, 600, n),
            30 + rng.gamma(2.0, 90.0, n).astype(np.int64),
            rng.integers(3, 21, n),
            rng.integers(5, 41, n),
        ],
        rng.integers(15, 76, n),  # machine_*: the voicemail drop
    ).astype(np.int64)
    talk = np.minimum(talk, 3000)
    queued_cancel = (status == CANCELED) & (rng.random(n) < 0.5)
    completed = status == COMPLETED
    start = np.where(queued_cancel, -1, utc + queue_s)
    connected = np.where(completed, start + ring, -1)
    end = np.where(completed, start + ring + talk, -1)
    updated = np.where(completed, end, np.where(queued_cancel, utc + ring, start + ring))
    agent = rng.integers(1, AGENTS + 1, n)
    caller = rng.integers(0, len(CALLER_IDS), n)
    to_agent = np.where(
        flow == 0,
        (answered == HUMAN) & (rng.random(n) < HUMAN_TO_AGENT),
        np.where(flow == 1, True, rng.random(n) < INBOUND_TO_AGENT),
    )
    inbound_leg_answered = rng.random(n) < 0.85
    agent_talks = to_agent & np.where(flow == 2, inbound_leg_answered, completed)
    wrapup = rng.integers(0, len(WRAPUPS), n)
    c = pl.col
    consumer = pl.DataFrame(
        {
            "sid_hex": rand_hex(rng, n),
            "pidx": pidx,
            "flow": flow,
            "status": status,
            "answered": answered,
            "created": utc,
            "start": start,
            "connected": connected,
            "end": end,
            "updated": updated,
            "ring": ring,
            "talk": talk,
            "queue_s": queue_s,
            "agent": agent,
            "caller": caller,
            "to_agent": to_agent,
            "agent_talks": agent_talks,
            "wrapup": wrapup,
            "campaign": rng.integers(0, len(CAMPAIGNS), n),
            "acw": rng.integers(5, 121, n),
            "transfer": agent_talks & (rng.random(n) < TRANSFER_SHARE),
            "leg_hex": rand_hex(rng, n),
            "xfer_hex": rand_hex(rng, n),
            "phone": pop.phones.gather(pidx),
            "agency": pl.Series(np.array(CALLER_IDS)[caller].tolist(), dtype=pl.String),
        }
    ).with_columns(
        sid=pl.lit("CA") + c("sid_hex"),
        t_canon=pl.when(c("start") >= 0).then(c("start")).otherwise(c("created")),
        username=pl.lit("agent") + c("agent").cast(pl.String).str.zfill(3),
    )
    for col in ("start", "connected", "end"):
        consumer = consumer.with_columns(pl.when(c(col) >= 0).then(c(col)).alias(col))

    # softphone legs
    dialer_leg = consumer.filter((c("flow") == 0) & c("to_agent")).select(
        sid=pl.lit("CA") + c("leg_hex"),
        parent_call_sid=c("sid"),
        direction=pl.lit("outbound-dial"),
        frm=c("agency"),
        to=pl.lit("client:") + c("username"),
        status=pl.lit("completed"),
        created=c("connected") + 2,
        start=c("connected") + 2,
        end=c("end"),
        duration=c("end") - c("connected") - 2,
        number=pl.lit(None, dtype=pl.String),
    )
    click_parent = consumer.filter(c("flow") == 1).select(
        sid=pl.lit("CA") + c("leg_hex"),
        parent_call_sid=pl.lit(None, dtype=pl.String),
        direction=pl.lit("inbound"),
        frm=pl.lit("client:") + c("username"),
        to=pl.lit(None, dtype=pl.String),
        status=pl.lit("completed"),
        created=c("created"),
        start=c("created"),
        end=pl.max_horizontal(c("end"), c("updated")) + 3,
        duration=pl.max_horizontal(c("end"), c("updated")) + 3 - c("created"),
        number=pl.lit(None, dtype=pl.String),
    )
    inbound_leg = consumer.filter((c("flow") == 2) & c("to_agent")).select(
        sid=pl.lit("CA") + c("leg_hex"),
        parent_call_sid=c("sid"),
        direction=pl.lit("outbound-dial"),
        frm=c("phone"),
        to=pl.lit("client:") + c("username"),
        status=pl.when(c("agent_talks")).then(pl.lit("completed")).otherwise(pl.lit("no-answer")),
        created=c("start") + 8 + c("ring"),
        start=c("start") + 8 + c("ring"),
        end=pl.when(c("agent_talks")).then(c("end")),
        duration=pl.when(c("agent_talks")).then(c("end") - c("start") - 8 - c("ring")),
        number=pl.lit(None, dtype=pl.String),
    )
    legs = pl.concat([dialer_leg, click_parent, inbound_leg]).with_columns(
        updated=pl.when(c("end").is_not_null()).then(c("end")).otherwise(c("start") + 20),
        duration=pl.max_horizontal(c("duration"), pl.lit(1)),
        answered_by=pl.lit(None, dtype=pl.String),
        queue_time=pl.lit("0"),
    )
    consumer = consumer.with_columns(
        parent_call_sid=pl.when(c("flow") == 1).then(pl.lit("CA") + c("leg_hex"))
    )
    tally["twilio_calls.consumer"] += consumer.height
    tally["twilio_calls.softphone_legs"] += legs.height
    return {"consumer": consumer, "legs": legs}


def _messages(
    ctx: Context, rng: np.random.Generator, pidx: I64, utc: I64, hi: int, tally: Counter[str]
) -> dict[str, pl.DataFrame]:
    """The consumer-facing texts, STOP auto-replies included."""
    n = len(pidx)
    pop = ctx.pop
    flow = pick(rng, n, MSG_FLOW_P)
    status = np.where(
        flow == 0,
        pick(rng, n, OUT_MSG_STATUS_P),
        np.where(flow == 1, np.where(rng.random(n) < 0.9, DELIVERED, SENT), RECEIVED),
    ).astype(np.int64)
    inbound_body = pick(rng, n, INBOUND_BODY_P)
    sender = pick(rng, n, SMS_SENDER_P)
    # Twilio answers an exact opt-out keyword sent to a long code or short code; a toll-free
    # number's opt-out reply comes from the network ("NETWORK MSG: ...") and is not a record
    opt_out = (flow == 2) & (inbound_body < OPT_OUT_KEYWORDS) & (sender != 0)
    utc = np.where(opt_out, np.minimum(utc, hi - 5), utc)  # its auto-reply stays in the chunk
    template = pick(rng, n, SMS_TEMPLATE_P)
    code = np.where(
        status == UNDELIVERED,
        np.array(UNDELIVERED_CODES)[rng.integers(0, len(UNDELIVERED_CODES), n)],
        np.where(
            status == MFAILED, np.array(FAILED_CODES)[rng.integers(0, len(FAILED_CODES), n)], -1
        ),
    )
    c = pl.col
    last4 = pop.phones.gather(pidx).str.slice(-4)
    amount = pl.Series(pop.amount_cents[pidx])
    amt = (amount // 100).cast(pl.String) + "." + (amount % 100).cast(pl.String).str.zfill(2)
    tmpl = pl.Series(np.array(SMS_TEMPLATES, dtype=object)[template].tolist(), dtype=pl.String)
    df = pl.DataFrame(
        {
            "sid_hex": rand_hex(rng, n),
            "pidx": pidx,
            "flow": flow,
            "status": status,
            "created": utc,
            "lag": rng.integers(1, 3, n),
            "receipt": rng.integers(2, 11, n),
            "error_code": code,
            "sender": sender,
            "via_service": rng.random(n) < 0.7,
            "inbound_body": inbound_body,
            "opt_out": opt_out,
            "tmpl": tmpl,
            "last4": last4,
            "amt": amt,
            "name": pop.first_name.gather(pidx),
            "reply_hex": rand_hex(rng, n),
            "phone": pop.phones.gather(pidx),
            "agency": pl.Series(
                np.where(
                    flow == 1,
                    np.array(CALLER_IDS)[rng.integers(0, 2, n)],
                    np.array(SMS_SENDERS)[sender],
                ).tolist(),
                dtype=pl.String,
            ),
        }
    ).with_columns(
        body=pl.when(c("flow") == 2)
        .then(lut(c("inbound_body"), INBOUND_BODIES))
        .when(c("flow") == 1)
        .then(
            pl.lit(DURING_CALL_TEMPLATE.split("{last4}")[0])
            + c("last4")
            + pl.lit(DURING_CALL_TEMPLATE.split("{last4}")[1])
        )
        .otherwise(
            c("tmpl")
            .str.replace("{name}", c("name"), literal=True)
            .str.replace("{amt}", c("amt"), literal=True)
            .str.replace("{last4}", c("last4"), literal=True)
        ),
        direction=pl.when(c("flow") == 2)
        .then(pl.lit("inbound"))
        .when(c("flow") == 1)
        .then(pl.lit("outbound-call"))
        .otherwise(pl.lit("outbound-api")),
    )
    replies = df.filter(c("opt_out")).select(
        sid_hex=c("reply_hex"),
        pidx=c("pidx"),
        flow=pl.lit(3, dtype=pl.Int64),
        status=pl.lit(DELIVERED, dtype=pl.Int64),
        created=c("created") + 1,
        lag=pl.lit(1, dtype=pl.Int64),
        receipt=c("receipt"),
        error_code=pl.lit(-1, dtype=pl.Int64),
        sender=c("sender"),
        via_service=pl.lit(False),
        phone=c("phone"),
        agency=c("agency"),
        body=pl.lit(OPT_OUT_REPLY),
        direction=pl.lit("outbound-reply"),
    )
    keep = list(replies.columns)
    msgs = pl.concat([df.select(keep), replies]).with_columns(
        sid=pl.lit("SM") + c("sid_hex"),
        sent=pl.when(c("status") == RECEIVED)
        .then(c("created"))
        .when(c("status").is_in([MFAILED, MCANCELED]))
        .then(None)
        .otherwise(c("created") + c("lag")),
    )
    msgs = msgs.with_columns(
        updated=pl.when(c("status").is_in([DELIVERED, UNDELIVERED]))
        .then(c("sent") + c("receipt"))
        .when(c("sent").is_not_null())
        .then(c("sent"))
        .otherwise(c("created") + c("lag")),
        t_canon=pl.when(c("sent").is_not_null()).then(c("sent")).otherwise(c("created")),
        segments=_segments(c("body")),
    )
    tally["twilio_messages.consumer"] += msgs.height
    tally["twilio_messages.opt_out_replies"] += replies.height
    return {"consumer": msgs}


def _segments(body: pl.Expr) -> pl.Expr:
    """SMS segments: GSM-7 (approximated as printable ASCII) 160/153, else UCS-2 70/67."""
    n = body.str.len_chars()
    gsm = body.str.contains(r"^[\x20-\x7E]*$")
    return (
        pl.when(gsm & (n <= 160))
        .then(1)
        .when(gsm)
        .then((n + 152) // 153)
        .when(n <= 70)
        .then(1)
        .otherwise((n + 66) // 67)
    )


def _write_twilio(
    ctx: Context,
    rng: np.random.Generator,
    calls: dict[str, pl.DataFrame],
    msgs: dict[str, pl.DataFrame],
    sinks: Sinks,
    tally: Counter[str],
    header: bool,
) -> None:
    """Twilio CSV rows and BulkExport day files for the chunk."""
    c = pl.col
    cons = calls["consumer"]
    consumer_calls = cons.select(
        sid=c("sid"),
        parent_call_sid=c("parent_call_sid"),
        direction=pl.when(c("flow") == 2)
        .then(pl.lit("inbound"))
        .when(c("flow") == 1)
        .then(pl.lit("outbound-dial"))
        .otherwise(pl.lit("outbound-api")),
        frm=pl.when(c("flow") == 2).then(c("phone")).otherwise(c("agency")),
        to=pl.when(c("flow") == 2).then(c("agency")).otherwise(c("phone")),
        status=lut(c("status"), CALL_STATUS),
        created=c("created"),
        start=c("start"),
        end=c("end"),
        duration=pl.when(c("status") == COMPLETED).then(c("end") - c("start")),
        number=c("agency"),
        updated=c("updated"),
        answered_by=pl.when(c("answered") >= 0).then(lut(c("answered").clip(0), ANSWERED_BY)),
        queue_time=(c("queue_s") * 1000).cast(pl.String),
    )
    rows = pl.concat([consumer_calls, calls["legs"]], how="diagonal_relaxed").sort("created", "sid")
    number_sid = pl.Series(list(ctx.number_sids)), pl.Series(list(ctx.number_sids.values()))
    call_out = rows.select(
        sid=c("sid"),
        date_created=c("created"),
        date_updated=c("updated"),
        parent_call_sid=c("parent_call_sid"),
        account_sid=pl.lit(ctx.account_sid),
        to=c("to"),
        to_formatted=formatted_number(c("to")),
        **{"from": c("frm")},
        from_formatted=formatted_number(c("frm")),
        phone_number_sid=c("number").replace_strict(
            number_sid[0], number_sid[1], default=None, return_dtype=pl.String
        ),
        status=c("status"),
        start_time=c("start"),
        end_time=c("end"),
        duration=c("duration").cast(pl.String),
        price=pl.when(c("duration").is_not_null()).then(
            price_expr((c("duration") + 59) // 60 * 1400)
        ),
        price_unit=pl.lit("USD"),
        direction=c("direction"),
        answered_by=c("answered_by"),
        api_version=pl.lit("2010-04-01"),
        forwarded_from=pl.lit(None, dtype=pl.String),
        group_sid=pl.lit(None, dtype=pl.String),
        caller_name=pl.lit(None, dtype=pl.String),
        queue_time=c("queue_time"),
        trunk_sid=pl.lit(None, dtype=pl.String),
        uri=pl.lit(f"/2010-04-01/Accounts/{ctx.account_sid}/Calls/") + c("sid") + ".json",
    )
    msg = msgs["consumer"].sort("created", "sid")
    inbound = c("direction") == "inbound"
    msg_out = msg.select(
        body=c("body"),
        num_segments=c("segments").cast(pl.String),
        direction=c("direction"),
        **{"from": pl.when(inbound).then(c("phone")).otherwise(c("agency"))},
        to=pl.when(inbound).then(c("agency")).otherwise(c("phone")),
        date_updated=c("updated"),
        price=pl.when(c("status").is_in([MFAILED, MCANCELED]))
        .then(None)
        .otherwise(price_expr(c("segments") * 790)),
        error_message=pl.lit(None, dtype=pl.String),
        uri=pl.lit(f"/2010-04-01/Accounts/{ctx.account_sid}/Messages/") + c("sid") + ".json",
        account_sid=pl.lit(ctx.account_sid),
        num_media=pl.lit("0"),
        status=lut(c("status"), MSG_STATUS),
        messaging_service_sid=pl.when(c("via_service") & ~inbound).then(
            pl.lit(ctx.messaging_service_sid)
        ),
        sid=c("sid"),
        date_sent=c("sent"),
        date_created=c("created"),
        error_code=pl.when(c("error_code") >= 0).then(c("error_code")),
        price_unit=pl.lit("USD"),
        api_version=pl.lit("2010-04-01"),
    )

    # BulkExport: ISO times, documented fields dropped, one file per UTC day of date_created
    for out, times, drop, files in (
        (call_out, CALL_TIMES, BULK_CALL_DROP, sinks.bulk_calls),
        (msg_out, MESSAGE_TIMES, BULK_MESSAGE_DROP, sinks.bulk_messages),
    ):
        bulk = out.with_columns(
            _day=(c("date_created") - SPAN_START_S) // DAY,
            **{t: fmt_time(t, ISO_Z) for t in times},
        ).drop(*drop)
        fields = [x for x in bulk.columns if x != "_day"]
        encoded = bulk.select("_day", j=pl.struct(*fields).struct.json_encode() + pl.lit("\n"))
        for part in encoded.partition_by("_day", maintain_order=True):
            files.write(int(part["_day"][0]), str(part["j"].str.join("")[0]), part.height)

    # CSV: RFC 2822 times, plus a few rows repeated (pages of an export that overlapped)
    for out, times, sink, name in (
        (call_out, CALL_TIMES, sinks.calls, "twilio_calls"),
        (msg_out, MESSAGE_TIMES, sinks.messages, "twilio_messages"),
    ):
        text = out.with_columns(**{t: fmt_time(t, RFC2822) for t in times})
        dup = pl.Series(rng.random(text.height) < CSV_DUPLICATE_SHARE)
        copies = text.filter(dup)
        text = (
            pl.concat(
                [
                    text.with_row_index("_r"),
                    copies.with_row_index("_r").with_columns(
                        _r=pl.Series(np.flatnonzero(dup.to_numpy()), dtype=pl.UInt32)
                    ),
                ]
            )
            .sort("_r", maintain_order=True)
            .drop("_r")
        )
        write_csv(text, sink, header)
        tally[f"{name}.rows"] += text.height
        tally[f"{name}.duplicate_rows"] += copies.height


def _write_connect(
    ctx: Context, rng: np.random.Generator, cons: pl.DataFrame, sinks: Sinks, tally: Counter[str]
) -> None:
    """Amazon Connect contact records for the chunk's calls (Firehose style, no delimiter)."""
    c = pl.col
    n = cons.height
    is_dialer = c("flow") == 0
    not_connected = c("connected").is_null()
    amd = (
        pl.when(~is_dialer)
        .then(None)
        .when(c("status") == COMPLETED)
        .then(lut(c("answered").clip(0), AMD_STATUS))
        .when(c("status") == CANCELED)
        .then(pl.lit("AMD_NOT_APPLICABLE"))
        .otherwise(lut(c("status").clip(0, 3), AMD_STATUS_NOT_CONNECTED))
    )
    coin = pl.Series(rng.random(n))
    reason = (
        pl.when(c("status") == NO_ANSWER)
        .then(pl.lit("TELECOM_TIMEOUT"))
        .when(c("status") == BUSY)
        .then(pl.lit("TELECOM_BUSY"))
        .when(c("status") == FAILED)
        .then(
            pl.when(coin < 0.6)
            .then(pl.lit("TELECOM_NUMBER_INVALID"))
            .otherwise(pl.lit("TELECOM_PROBLEM"))
        )
        .when(c("status") == CANCELED)
        .then(pl.lit("TELECOM_ORIGINATOR_CANCEL"))
        .when(c("agent_talks"))
        .then(
            pl.when(coin < 0.6)
            .then(pl.lit("CUSTOMER_DISCONNECT"))
            .otherwise(pl.lit("AGENT_DISCONNECT"))
        )
        .when(c("flow") == 2)
        .then(
            pl.when(coin < 0.5)
            .then(pl.lit("CUSTOMER_DISCONNECT"))
            .otherwise(pl.lit("CONTACT_FLOW_DISCONNECT"))
        )
        .otherwise(pl.lit("CONTACT_FLOW_DISCONNECT"))
    )
    disconnect = (pl.when(c("end").is_not_null()).then(c("end")).otherwise(c("updated"))).alias(
        "disconnect"
    )
    base = cons.with_columns(
        contact_id=uuid_expr(c("sid_hex")),
        next_id=pl.when(c("transfer")).then(uuid_expr(c("xfer_hex"))),
        method=pl.when(c("flow") == 2)
        .then(pl.lit("INBOUND"))
        .when(c("flow") == 1)
        .then(pl.lit("OUTBOUND"))
        .otherwise(pl.lit("API")),
        amd=amd,
        reason=reason,
        disconnect=disconnect,
        agent_at=pl.when(c("agent_talks")).then(
            pl.when(c("flow") == 2).then(c("start") + 8 + c("ring")).otherwise(c("connected"))
        ),
        prev_id=pl.lit(None, dtype=pl.String),
        initial_id=pl.lit(None, dtype=pl.String),
        queue_name=pl.when(c("flow") == 2)
        .then(pl.lit("Collections-Inbound"))
        .when(c("to_agent") | (c("flow") == 1))
        .then(pl.lit("Collections-Outbound")),
        campaign_id=pl.when(is_dialer).then(lut(c("campaign"), ctx.campaign_ids)),
        campaign_name=lut(c("campaign"), CAMPAIGNS),
    ).with_columns(
        last_update=c("disconnect") + pl.when(c("agent_talks")).then(c("acw")).otherwise(2),
        wrap=pl.when(c("agent_talks")).then(lut(c("wrapup"), WRAPUPS)).otherwise(pl.lit("")),
    )
    # transfer legs: a new contact record for the same conversation (excluded from canonical)
    xfer = (
        base.filter(c("transfer"))
        .with_columns(
            prev_id=c("contact_id"),
            initial_id=c("contact_id"),
            contact_id=uuid_expr(c("xfer_hex")),
            next_id=pl.lit(None, dtype=pl.String),
            method=pl.lit("TRANSFER"),
            amd=pl.lit(None, dtype=pl.String),
            campaign_id=pl.lit(None, dtype=pl.String),
            reason=pl.lit("CUSTOMER_DISCONNECT"),
            start=c("agent_at") + (c("disconnect") - c("agent_at")) // 2,
            connected=c("agent_at") + (c("disconnect") - c("agent_at")) // 2,
            agent_at=c("agent_at") + (c("disconnect") - c("agent_at")) // 2 + 15,
            agent=(c("agent") % AGENTS) + 1,
            queue_name=pl.lit("Collections-Escalations"),
        )
        .with_columns(
            t_canon=c("start"),
            username=pl.lit("agent") + c("agent").cast(pl.String).str.zfill(3),
        )
    )
    records = pl.concat([base, xfer], how="diagonal_relaxed")
    # re-deliveries (at least once): a later copy, sometimes with updated attributes
    dup = pl.Series(rng.random(records.height) < CTR_DUPLICATE_SHARE)
    delta = pl.Series(rng.integers(0, 3600, records.height))
    copies = records.filter(dup).with_columns(
        last_update=c("last_update") + delta.filter(dup),
        wrap=pl.when(c("agent_talks")).then(pl.lit("PROMISE_TO_PAY")).otherwise(c("wrap")),
    )
    records = pl.concat([records, copies])
    tally["connect.consumer_calls"] += n
    tally["connect.transfer_legs"] += xfer.height
    tally["connect.duplicate_records"] += copies.height
    tally["connect.records"] += records.height

    iso = {k: fmt_time(k, ISO_Z) for k in ("t_canon", "connected", "disconnect", "last_update")}
    agent_at = fmt_time("agent_at", ISO_Z)
    talk = c("disconnect") - c("agent_at")
    agent = pl.when(c("agent_at").is_not_null()).then(
        pl.struct(
            ARN=lut(c("agent") - 1, ctx.agent_arns),
            AfterContactWorkDuration=c("acw"),
            AfterContactWorkEndTimestamp=fmt_time("last_update", ISO_Z),
            AfterContactWorkStartTimestamp=iso["disconnect"],
            AgentInteractionDuration=talk,
            ConnectedToAgentTimestamp=agent_at,
            CustomerHoldDuration=pl.lit(0),
            HierarchyGroups=pl.lit(None, dtype=pl.String),
            LongestHoldDuration=pl.lit(0),
            NumberOfHolds=pl.lit(0),
            RoutingProfile=pl.struct(
                ARN=pl.lit(ctx.instance_arn + "/routing-profile/collections"),
                Name=pl.lit("Collections"),
            ),
            Username=c("username"),
        )
    )
    queue = pl.when(c("queue_name").is_not_null()).then(
        pl.struct(
            ARN=pl.lit(ctx.instance_arn + "/queue/")
            + c("queue_name").replace_strict(
                ["Collections-Inbound", "Collections-Outbound", "Collections-Escalations"],
                list(ctx.queue_arns),
            ),
            DequeueTimestamp=pl.when(c("agent_at").is_not_null())
            .then(agent_at)
            .otherwise(iso["disconnect"]),
            Duration=pl.when(c("agent_at").is_not_null())
            .then(c("agent_at") - c("t_canon"))
            .otherwise(c("disconnect") - c("t_canon")),
            EnqueueTimestamp=iso["t_canon"],
            Name=c("queue_name"),
        )
    )
    ctr = records.select(
        j=pl.struct(
            AWSAccountId=pl.lit("111122223333"),
            AWSContactTraceRecordFormatVersion=pl.lit("2017-03-10"),
            Agent=agent,
            AgentConnectionAttempts=c("to_agent").cast(pl.Int64),
            AnsweringMachineDetectionStatus=c("amd"),
            Attributes=pl.struct(campaign=c("campaign_name"), wrapup=c("wrap")),
            Campaign=pl.when(c("campaign_id").is_not_null()).then(
                pl.struct(CampaignId=c("campaign_id"))
            ),
            Channel=pl.lit("VOICE"),
            ConnectedToSystemTimestamp=pl.when(not_connected)
            .then(None)
            .otherwise(iso["connected"]),
            ContactId=c("contact_id"),
            CustomerEndpoint=_endpoint(c("phone")),
            DisconnectReason=c("reason"),
            DisconnectTimestamp=iso["disconnect"],
            InitialContactId=c("initial_id"),
            InitiationMethod=c("method"),
            InitiationTimestamp=iso["t_canon"],
            InstanceARN=pl.lit(ctx.instance_arn),
            LastUpdateTimestamp=iso["last_update"],
            MediaStreams=pl.concat_list(pl.struct(Type=pl.lit("AUDIO"))),
            NextContactId=c("next_id"),
            PreviousContactId=c("prev_id"),
            Queue=queue,
            Recording=pl.lit(None, dtype=pl.String),
            SystemEndpoint=_endpoint(c("agency")),
            TransferCompletedTimestamp=pl.lit(None, dtype=pl.String),
            TransferredToEndpoint=pl.lit(None, dtype=pl.String),
        ).struct.json_encode()
    )
    sinks.ctr.write(str(ctr["j"].str.join("")[0]).encode())


def _endpoint(address: pl.Expr) -> pl.Expr:
    """A contact record Endpoint."""
    return pl.struct(Address=address, Type=pl.lit("TELEPHONE_NUMBER"))


def _write_canonical(
    ctx: Context,
    calls: pl.DataFrame,
    msgs: pl.DataFrame,
    sinks: Sinks,
    tally: Counter[str],
    header: bool,
) -> None:
    """The canonical log of the chunk's consumer-facing events (Twilio ids and Connect ids)."""
    c = pl.col
    call_outcome = (
        pl.when(c("status") == COMPLETED)
        .then(
            pl.when(c("answered").is_between(MACHINE_START, MACHINE_OTHER))
            .then(pl.lit("voicemail"))
            .when(c("answered") == FAX)  # connected, no conversation (as twilio-calls maps it)
            .then(pl.lit("no_answer"))
            .otherwise(pl.lit("conversation"))
        )
        .when(c("status") == NO_ANSWER)
        .then(pl.lit("no_answer"))
        .when(c("status") == BUSY)
        .then(pl.lit("busy"))
        .otherwise(pl.lit("not_connected"))
    )
    ev_calls = calls.select(
        "pidx",
        "phone",
        "sid",
        cid=uuid_expr(c("sid_hex")),
        t=c("t_canon"),
        channel=pl.lit("call"),
        direction=pl.when(c("flow") == 2).then(pl.lit("inbound")).otherwise(pl.lit("outbound")),
        outcome=call_outcome,
        body=pl.lit(None, dtype=pl.String),
    )
    kept = msgs.filter(c("status") != MCANCELED)
    tally["twilio_messages.canceled_excluded"] += msgs.height - kept.height
    ev_msgs = kept.select(
        "pidx",
        "phone",
        "sid",
        cid=pl.lit(None, dtype=pl.String),
        t=c("t_canon"),
        channel=pl.lit("sms"),
        direction=pl.when(c("direction") == "inbound")
        .then(pl.lit("inbound"))
        .otherwise(pl.lit("outbound")),
        outcome=pl.when(c("status").is_in([DELIVERED, RECEIVED]))
        .then(pl.lit("delivered"))
        .when(c("status") == SENT)
        .then(pl.lit("sent"))
        .otherwise(pl.lit("failed")),
        body=c("body"),
    )
    events = pl.concat([ev_calls, ev_msgs])
    joined = events.join(ctx.pop.lookup, on="pidx", how="inner")
    matched = events.join(ctx.pop.lookup.select("pidx").unique(), on="pidx", how="semi")
    tally["canonical.unmatched_calls"] += (
        ev_calls.height - matched.filter(c("channel") == "call").height
    )
    tally["canonical.unmatched_messages"] += (
        ev_msgs.height - matched.filter(c("channel") == "sms").height
    )
    tally["canonical.fanned_out_calls"] += (
        joined.filter(c("fan") & (c("channel") == "call")).height // 2
    )
    tally["canonical.fanned_out_messages"] += (
        joined.filter(c("fan") & (c("channel") == "sms")).height // 2
    )
    rest = {
        "time": fmt_time("t", ISO_Z),
        "account": c("account"),
        "debtor": c("debtor"),
        "party": pl.lit("debtor"),
        "to": c("phone"),
        "channel": c("channel"),
        "direction": c("direction"),
        "outcome": c("outcome"),
        "timezone": c("timezone"),
        "jurisdiction": c("jurisdiction"),
        "body": c("body"),
        "kind": pl.lit("contact"),
        # the consumer's address as the CRM has it: the reader takes zones from it too
        "zip": c("zip"),
        "state": c("state"),
    }
    # one communication about two debts: both events share its id as `contact`
    contact = pl.when(c("fan")).then(c("sid"))
    suffix = pl.when(c("fan")).then(pl.lit(":") + c("account")).otherwise(pl.lit(""))
    canonical = joined.select(id=c("sid") + suffix, _t=c("t"), **rest, contact=contact)
    canonical = canonical.sort("_t", "id")
    write_csv(canonical.drop("_t"), sinks.canonical, header)
    no_tz = canonical.filter(c("timezone").is_null())["id"]
    if no_tz.len():
        sinks.no_tz.write(("\n".join(no_tz.to_list()) + "\n").encode())
    tally["canonical.rows"] += canonical.height
    tally["canonical.calls"] += canonical.filter(c("channel") == "call").height
    tally["canonical.messages"] += canonical.filter(c("channel") == "sms").height
    tally["canonical.without_timezone"] += no_tz.len()
    connect = (
        joined.filter(c("channel") == "call")
        .select(id=c("cid") + suffix, _t=c("t"), **rest, contact=pl.when(c("fan")).then(c("cid")))
        .sort("_t", "id")
    )
    write_csv(connect.drop("_t"), sinks.canonical_connect, header)
    tally["canonical_connect.rows"] += connect.height


# ---- driver ------------------------------------------------------------------------------------


def generate(rows: int, out: Path, seed: int) -> dict[str, Any]:
    """Write every file for ``rows`` events into ``out``; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    pop = build_population(rows, seed)
    rng = np.random.default_rng([seed, 999_999])
    account_sid = "AC" + one_hex(rng)
    number_sids = {num: "PN" + one_hex(rng) for num in sorted(set(CALLER_IDS + SMS_SENDERS))}
    messaging_service_sid = "MG" + one_hex(rng)
    instance_arn = "arn:aws:connect:us-east-1:111122223333:instance/" + uuid_str(one_hex(rng))
    ctx = Context(
        seed=seed,
        pop=pop,
        table=offset_table(),
        account_sid=account_sid,
        number_sids=number_sids,
        messaging_service_sid=messaging_service_sid,
        instance_arn=instance_arn,
        campaign_ids=tuple(uuid_str(one_hex(rng)) for _ in CAMPAIGNS),
        agent_arns=tuple(instance_arn + "/agent/" + uuid_str(one_hex(rng)) for _ in range(AGENTS)),
        queue_arns=tuple(uuid_str(one_hex(rng)) for _ in range(3)),
    )
    pop.crm.write_csv(out / "crm_accounts.csv")
    counts = day_counts(rows)
    per_day = max(1.0, rows / SPAN_DAYS)
    days_per_chunk = max(1, int(CHUNK_EVENTS // per_day))
    tally: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=1) as pool:
        files = {
            name: (out / name).open("wb")
            for name in (
                "twilio_calls.csv",
                "twilio_messages.csv",
                "connect_ctr.json",
                "canonical.csv",
                "canonical_connect.csv",
                "canonical_no_timezone.txt",
            )
        }
        sinks = Sinks(
            calls=files["twilio_calls.csv"],
            messages=files["twilio_messages.csv"],
            ctr=files["connect_ctr.json"],
            canonical=files["canonical.csv"],
            canonical_connect=files["canonical_connect.csv"],
            no_tz=files["canonical_no_timezone.txt"],
            bulk_calls=DayFiles(out / "twilio_bulkexport" / "Calls", pool),
            bulk_messages=DayFiles(out / "twilio_bulkexport" / "Messages", pool),
        )
        try:
            for index, day0 in enumerate(range(0, SPAN_DAYS, days_per_chunk)):
                part = counts[day0 : day0 + days_per_chunk]
                gen_chunk(ctx, index, day0, part, sinks, tally)
                sinks.bulk_calls.wait_older()
                sinks.bulk_messages.wait_older()
            sinks.bulk_calls.close_before(SPAN_DAYS + 10)
            sinks.bulk_messages.close_before(SPAN_DAYS + 10)
            sinks.bulk_calls.wait()
            sinks.bulk_messages.wait()
        finally:
            for f in files.values():
                f.close()
    manifest = _manifest(rows, seed, pop, tally, sinks)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _manifest(
    rows: int, seed: int, pop: Population, t: Counter[str], sinks: Sinks
) -> dict[str, Any]:
    """Row counts per file and what a correct profile must drop, deduplicate and fan out."""
    calls_consumer = t["twilio_calls.consumer"]
    msgs_consumer = t["twilio_messages.consumer"]
    canceled = t["twilio_messages.canceled_excluded"]
    fan_calls_msgs = t["canonical.fanned_out_calls"] + t["canonical.fanned_out_messages"]
    crm_fan = pop.crm.group_by("phone").len().filter(pl.col("len") > 1).height
    return {
        "generator": "benchmarks/gen_exports.py",
        "seed": seed,
        "events": rows,
        "span_utc": [
            SPAN_START.strftime("%Y-%m-%d"),
            (SPAN_START + timedelta(days=SPAN_DAYS - 1)).strftime("%Y-%m-%d"),
        ],
        "files": {
            "twilio_calls.csv": {"rows": t["twilio_calls.rows"]},
            "twilio_messages.csv": {"rows": t["twilio_messages.rows"]},
            "twilio_bulkexport/Calls": {
                "files": len(sinks.bulk_calls.records),
                "records": sum(sinks.bulk_calls.records.values()),
            },
            "twilio_bulkexport/Messages": {
                "files": len(sinks.bulk_messages.records),
                "records": sum(sinks.bulk_messages.records.values()),
            },
            "connect_ctr.json": {"records": t["connect.records"]},
            "crm_accounts.csv": {
                "rows": pop.crm.height,
                "phones": pop.crm["phone"].n_unique(),
                "phones_with_two_debts": crm_fan,
                "phones_without_timezone": pop.crm.filter(pl.col("timezone") == "")["phone"]
                .unique()
                .len(),
                "consumer_numbers_not_in_crm": len(pop.zone) - pop.crm["phone"].n_unique(),
            },
            "canonical.csv": {"rows": t["canonical.rows"]},
            "canonical_connect.csv": {"rows": t["canonical_connect.rows"]},
            "canonical_no_timezone.txt": {"ids": t["canonical.without_timezone"]},
        },
        "expected": {
            "twilio_calls.csv": {
                "duplicate_rows_to_drop": t["twilio_calls.duplicate_rows"],
                "softphone_legs_excluded": t["twilio_calls.softphone_legs"],
                "consumer_calls": calls_consumer,
                "unmatched_in_crm": t["canonical.unmatched_calls"],
                "fanned_out": t["canonical.fanned_out_calls"],
                "canonical_rows": t["canonical.calls"],
                "check": "rows - duplicate_rows_to_drop - softphone_legs_excluded = "
                "consumer_calls; consumer_calls - unmatched_in_crm + fanned_out = canonical_rows",
            },
            "twilio_messages.csv": {
                "duplicate_rows_to_drop": t["twilio_messages.duplicate_rows"],
                "consumer_messages": msgs_consumer,
                "of_which_opt_out_auto_replies": t["twilio_messages.opt_out_replies"],
                "canceled_excluded": canceled,
                "unmatched_in_crm": t["canonical.unmatched_messages"],
                "fanned_out": t["canonical.fanned_out_messages"],
                "canonical_rows": t["canonical.messages"],
                "check": "rows - duplicate_rows_to_drop = consumer_messages; consumer_messages - "
                "canceled_excluded - unmatched_in_crm + fanned_out = canonical_rows",
            },
            "twilio_bulkexport": {
                "note": "the same records as the two CSV files without their duplicate rows; "
                "the same exclusions apply",
            },
            "connect_ctr.json": {
                "duplicate_records_to_drop": t["connect.duplicate_records"],
                "transfer_legs_excluded": t["connect.transfer_legs"],
                "consumer_calls": t["connect.consumer_calls"],
                "unmatched_in_crm": t["canonical.unmatched_calls"],
                "fanned_out": t["canonical.fanned_out_calls"],
                "canonical_rows": t["canonical_connect.rows"],
                "check": "records - duplicate_records_to_drop - transfer_legs_excluded = "
                "consumer_calls; consumer_calls - unmatched_in_crm + fanned_out = canonical_rows",
            },
            "canonical.csv": {
                "rows": t["canonical.rows"],
                "fanned_out": fan_calls_msgs,
                "without_timezone": t["canonical.without_timezone"],
                "check": "consumer_calls + consumer_messages - canceled_excluded - "
                "unmatched_in_crm (calls and messages) + fanned_out = rows",
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--rows", type=parse_rows, required=True, help="events, e.g. 2000, 10k, 1m")
    ap.add_argument("--out", type=Path, required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    manifest = generate(args.rows, args.out, args.seed)
    elapsed = time.perf_counter() - t0
    files = manifest["files"]
    print(
        f"wrote {args.rows:,} events to {args.out} in {elapsed:.1f} s: "
        f"{files['twilio_calls.csv']['rows']:,} call rows, "
        f"{files['twilio_messages.csv']['rows']:,} message rows, "
        f"{files['connect_ctr.json']['records']:,} contact records, "
        f"{files['canonical.csv']['rows']:,} canonical rows",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
