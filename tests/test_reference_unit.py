"""Hand-computed unit tests for the reference evaluator in ``tests/reference.py``.

The reference is the oracle for the engine's property test, so it needs its own independent
check: every expected value below was worked out by hand from ``docs/us-regf-semantics.md``
(offsets noted in comments), not produced by running the code. The cases concentrate on the
boundaries where an implementation is most likely to be off by one: the 7th/8th call, day 6/7
after a conversation, ties at one instant, the [08:00, 21:00) window edges, DST transition days
and evening calls whose UTC date is already the next day.
"""

from __future__ import annotations

import pytest

from helpers import call_row
from reference import (
    RULE_CALL_AFTER_CONVERSATION,
    RULE_CALL_VOLUME,
    RULE_INCONVENIENT_TIME,
    evidence,
    findings,
    parse_event,
)

NY = "America/New_York"
LA = "America/Los_Angeles"

VOL = RULE_CALL_VOLUME
CONV = RULE_CALL_AFTER_CONVERSATION
TIME = RULE_INCONVENIENT_TIME

Row = dict[str, str]


row = call_row
"""A full row for account A1, an outbound call to the debtor in New York, jurisdiction US."""


def of_rule(rule: str, rows: list[Row]) -> set[str]:
    """Event ids flagged by ``rule`` (keeps each assertion about one rule only)."""
    return {event for (r, event) in findings(rows) if r == rule}


# June 2024: New York is on EDT (UTC-04:00), so local 10:00 is 14:00Z.


def eight_calls_in_seven_days() -> list[Row]:
    """Calls c1..c8 on local days June 3 (two calls) and June 4..9 (one a day), 10:00 EDT."""
    rows = [row("c1", "2024-06-03T14:00:00Z"), row("c2", "2024-06-03T15:00:00Z")]
    rows += [row(f"c{day - 1}", f"2024-06-0{day}T14:00:00Z") for day in range(4, 10)]
    return rows


class TestCallVolume:
    """``us-regf/call-volume``: violation from the 8th counted call in seven local days."""

    def test_eighth_call_violates_with_all_eight_as_evidence(self) -> None:
        """c8 (June 9) sees c1..c8 in June 3..9: n = 8 >= 8."""
        rows = eight_calls_in_seven_days()
        assert of_rule(VOL, rows) == {"c8"}
        assert evidence(rows)[(VOL, "c8")] == tuple(f"c{i}" for i in range(1, 9))

    def test_seventh_call_does_not_violate(self) -> None:
        """Only seven calls in the window: n = 7 for the last one."""
        rows = eight_calls_in_seven_days()[:7]
        assert of_rule(VOL, rows) == set()

    def test_window_slides_after_day_seven(self) -> None:
        """c9 on June 10 sees June 4..10: c3..c9 = 7 calls, so no violation for c9."""
        rows = [*eight_calls_in_seven_days(), row("c9", "2024-06-10T14:00:00Z")]
        assert of_rule(VOL, rows) == {"c8"}

    def test_later_calls_do_not_count_for_earlier_ones(self) -> None:
        """t' <= t: eight calls on one day an hour apart give n = 1..8; only the 8th violates."""
        rows = [row(f"h{i}", f"2024-06-05T{12 + i}:00:00Z") for i in range(1, 9)]
        assert of_rule(VOL, rows) == {"h8"}
        assert evidence(rows)[(VOL, "h8")] == tuple(f"h{i}" for i in range(1, 9))

    def test_calls_at_same_instant_count_each_other(self) -> None:
        """Eight calls at one instant: each has n = 8 (all t' <= t), so all eight violate."""
        rows = [row(f"s{i}", "2024-06-05T14:00:00Z") for i in range(1, 9)]
        assert of_rule(VOL, rows) == {f"s{i}" for i in range(1, 9)}
        # Evidence in (time, id) order: equal times, so by id.
        assert evidence(rows)[(VOL, "s1")] == tuple(f"s{i}" for i in range(1, 9))

    def test_equal_instants_written_with_different_offsets(self) -> None:
        """``Z`` and ``-04:00`` spellings of one instant are the same instant (a tie)."""
        rows = [row(f"s{i}", "2024-06-05T14:00:00Z") for i in range(1, 5)]
        rows += [row(f"s{i}", "2024-06-05T10:00:00-04:00") for i in range(5, 9)]
        assert of_rule(VOL, rows) == {f"s{i}" for i in range(1, 9)}

    def test_not_counted_calls_are_ignored(self) -> None:
        """not_connected, inbound, sms, attorney, creditor, consent-kind rows are not counted."""
        rows = eight_calls_in_seven_days()[:7]
        extra = [
            row("x1", "2024-06-08T14:00:00Z", outcome="not_connected"),
            row("x2", "2024-06-08T14:00:00Z", direction="inbound"),
            row("x3", "2024-06-08T14:00:00Z", channel="sms"),
            row("x4", "2024-06-08T14:00:00Z", party="attorney"),
            row("x5", "2024-06-08T14:00:00Z", party="creditor"),
            row("x6", "2024-06-08T14:00:00Z", party="credit_bureau"),
            row("x7", "2024-06-08T14:00:00Z", channel="letter"),
        ]
        assert of_rule(VOL, rows + extra) == set()

    def test_empty_outcome_and_voicemail_count(self) -> None:
        """Any outcome other than not_connected and busy (including empty) is counted."""
        rows = eight_calls_in_seven_days()
        rows[0]["outcome"] = "voicemail"
        rows[1]["outcome"] = "conversation"
        assert of_rule(VOL, rows) == {"c8"}

    def test_keys_are_separate(self) -> None:
        """Four calls each to two spouse numbers: two keys of four calls, no violation."""
        rows = [
            row(f"p{i}", f"2024-06-0{3 + i % 4}T14:00:00Z", party="spouse", to_=f"+1555000{i % 2}")
            for i in range(8)
        ]
        assert of_rule(VOL, rows) == set()
        for r in rows:
            r["to"] = "+15550000"
        # One key: June 3 (p0, p4), June 4 (p1, p5), June 5 (p2, p6), June 6 (p3, p7); p3 and
        # p7 share the last instant, so both see all eight.
        assert of_rule(VOL, rows) == {"p3", "p7"}

    def test_debtor_default_is_account(self) -> None:
        """Empty debtor means debtor = account, so explicit "A1" and empty are the same person."""
        rows = eight_calls_in_seven_days()
        for r in rows[::2]:
            r["debtor"] = "A1"
        assert of_rule(VOL, rows) == {"c8"}
        rows[0]["debtor"] = "someone-else"
        assert of_rule(VOL, rows) == set()

    def test_debtor_person_ignores_to(self) -> None:
        """For party debtor the person is the debtor value; ``to`` numbers do not split the key."""
        rows = eight_calls_in_seven_days()
        for i, r in enumerate(rows):
            r["to"] = f"+1555000{i}"
        assert of_rule(VOL, rows) == {"c8"}

    def test_window_uses_each_calls_own_primary_zone(self) -> None:
        """c1 at 2024-06-03T02:00Z is June 2 in New York but June 3 in London.

        With c1 in Europe/London its local date is June 3, inside c8's June 3..9 window.
        With c1 in New York (June 2, 22:00 EDT) it falls outside, so n = 7.
        """
        rows = eight_calls_in_seven_days()
        rows[0] = row("c1", "2024-06-03T02:00:00Z")
        assert of_rule(VOL, rows) == set()
        rows[0]["timezone"] = "Europe/London"
        assert of_rule(VOL, rows) == {"c8"}


class TestCallAfterConversation:
    """``us-regf/call-after-conversation``: a counted call within days d_v .. d_v + 6."""

    def test_day_seven_violates_day_eight_does_not(self) -> None:
        """Conversation June 3 (d_v): June 9 = d_v + 6 violates, June 10 = d_v + 7 does not."""
        rows = [
            row("v", "2024-06-03T18:00:00Z", outcome="conversation"),
            row("day7", "2024-06-09T14:00:00Z"),
            row("day8", "2024-06-10T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == {"day7"}
        assert evidence(rows)[(CONV, "day7")] == ("v",)

    def test_same_day_later_call_violates(self) -> None:
        """d = d_v and t_v < t: violation."""
        rows = [
            row("v", "2024-06-03T14:00:00Z", outcome="conversation"),
            row("c", "2024-06-03T14:00:01Z"),
        ]
        assert of_rule(CONV, rows) == {"c"}

    def test_conversation_at_same_instant_does_not_count(self) -> None:
        """t_v < t is strict: a call at the conversation's instant is not after it."""
        rows = [
            row("v", "2024-06-03T14:00:00Z", outcome="conversation"),
            row("c", "2024-06-03T10:00:00-04:00"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_earlier_call_same_day_does_not_violate(self) -> None:
        """A call before the conversation on the same day is not after it."""
        rows = [
            row("c", "2024-06-03T13:00:00Z"),
            row("v", "2024-06-03T14:00:00Z", outcome="conversation"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_any_direction_and_party_is_a_conversation(self) -> None:
        """Inbound conversation counts; so does one with an attorney (key = its ``to``)."""
        rows = [
            row("v1", "2024-06-03T14:00:00Z", outcome="conversation", direction="inbound"),
            row("c1", "2024-06-04T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == {"c1"}
        rows = [
            row("v2", "2024-06-03T14:00:00Z", outcome="conversation", party="attorney", to_="+1"),
            # Same key (A1, "+1") but the attorney call itself is never a counted call.
            row("c2", "2024-06-04T14:00:00Z", party="attorney", to_="+1"),
            # A spouse reached at the same number shares the key and is counted.
            row("c3", "2024-06-04T14:00:00Z", party="spouse", to_="+1"),
            # The debtor is a different person.
            row("c4", "2024-06-04T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == {"c3"}

    def test_sms_conversation_is_not_a_conversation(self) -> None:
        """Conversations must be calls; an sms with outcome conversation is not."""
        rows = [
            row("v", "2024-06-03T14:00:00Z", outcome="conversation", channel="sms"),
            row("c", "2024-06-04T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_uncounted_follow_up_does_not_violate(self) -> None:
        """Only counted calls violate: not_connected follow-ups are fine."""
        rows = [
            row("v", "2024-06-03T14:00:00Z", outcome="conversation"),
            row("c", "2024-06-04T14:00:00Z", outcome="not_connected"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_evidence_lists_all_conversations_in_time_id_order(self) -> None:
        """Evidence holds every qualifying conversation, ordered by (time, id)."""
        rows = [
            row("vb", "2024-06-04T14:00:00Z", outcome="conversation"),
            row("va", "2024-06-04T14:00:00Z", outcome="conversation"),
            row("v0", "2024-06-03T14:00:00Z", outcome="conversation"),
            row("old", "2024-05-27T14:00:00Z", outcome="conversation"),
            row("c", "2024-06-05T14:00:00Z"),
        ]
        assert evidence(rows)[(CONV, "c")] == ("v0", "va", "vb")

    def test_dates_use_primary_zone_of_each_event(self) -> None:
        """The conversation's own zone fixes d_v.

        v at 2024-06-03T02:00Z: London date June 3, New York date June 2 (22:00 EDT).
        The call at 2024-06-09T14:00Z (New York date June 9) is d_v + 6 with London and
        d_v + 7 with New York.
        """
        rows = [
            row("v", "2024-06-03T02:00:00Z", outcome="conversation", timezone="Europe/London"),
            row("c", "2024-06-09T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == {"c"}
        rows[0]["timezone"] = NY
        assert of_rule(CONV, rows) == set()


class TestConsent:
    """Consent exemption (1006.14(b)(3)(i)) and its revocation."""

    def test_consent_exempts_calls_for_seven_days(self) -> None:
        """Consent June 3 09:00 EDT: calls June 3 10:00 .. June 9 are exempt from both prongs
        (the conversation came before the consent, so it does not end it)."""
        rows = [
            row("v", "2024-06-03T12:30:00Z", outcome="conversation"),
            row("k", "2024-06-03T13:00:00Z", kind="consent", channel="", direction=""),
            *eight_calls_in_seven_days(),
        ]
        assert of_rule(VOL, rows) == set()
        assert of_rule(CONV, rows) == set()

    def test_consent_window_ends_after_dc_plus_six(self) -> None:
        """Consent June 3: call June 9 (dc + 6) exempt, call June 10 (dc + 7) not."""
        rows = [
            row("v", "2024-06-02T14:00:00Z", outcome="conversation", kind="contact"),
            row("k", "2024-06-03T13:00:00Z", kind="consent"),
            row("c-jun8", "2024-06-08T14:00:00Z"),
            row("c-jun9", "2024-06-09T14:00:00Z"),
            row("c-jun10", "2024-06-10T14:00:00Z"),
        ]
        # Consent covers June 3..9. v on June 2 covers June 2..8: c-jun8 is exempt, c-jun9 is
        # exempt (and outside), c-jun10 is counted but outside v's window.
        assert of_rule(CONV, rows) == set()
        # Move v to 08:00 EDT June 4 (covers June 4..10): a conversation after the consent ends
        # it (comment 14(b)(3)(i)-2), so c-jun8, c-jun9 and c-jun10 are all counted and inside
        # v's window.
        rows[0]["time"] = "2024-06-04T12:00:00Z"
        assert of_rule(CONV, rows) == {"c-jun8", "c-jun9", "c-jun10"}

    def test_consent_must_be_strictly_earlier(self) -> None:
        """tc < t: a consent at the call's very instant does not exempt it."""
        rows = [
            row("v", "2024-06-03T13:00:00Z", outcome="conversation"),
            row("k", "2024-06-03T14:00:00Z", kind="consent"),
            row("c", "2024-06-03T10:00:00-04:00"),
        ]
        assert of_rule(CONV, rows) == {"c"}

    def test_consent_is_per_key(self) -> None:
        """Consent from the spouse's number does not exempt calls to the debtor."""
        rows = [
            row("v", "2024-06-03T13:00:00Z", outcome="conversation"),
            row("k", "2024-06-03T13:30:00Z", kind="consent", party="spouse", to_="+1555"),
            row("c", "2024-06-03T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == {"c"}

    def test_revocation_between_consent_and_call_ends_exemption(self) -> None:
        """tc < tr <= t: revocation before the call (or at its instant) removes the exemption."""
        base = [
            row("v", "2024-06-03T13:00:00Z", outcome="conversation"),
            row("k", "2024-06-03T13:30:00Z", kind="consent"),
            row("c", "2024-06-03T15:00:00Z"),
        ]
        assert of_rule(CONV, base) == set()
        before = [*base, row("r", "2024-06-03T14:00:00Z", kind="consent_revoked")]
        assert of_rule(CONV, before) == {"c"}
        at_call = [*base, row("r", "2024-06-03T15:00:00Z", kind="consent_revoked")]
        assert of_rule(CONV, at_call) == {"c"}
        after_call = [*base, row("r", "2024-06-03T15:00:01Z", kind="consent_revoked")]
        assert of_rule(CONV, after_call) == set()
        at_consent = [*base, row("r", "2024-06-03T13:30:00Z", kind="consent_revoked")]
        assert of_rule(CONV, at_consent) == set()
        before_consent = [*base, row("r", "2024-06-03T13:10:00Z", kind="consent_revoked")]
        assert of_rule(CONV, before_consent) == set()

    def test_fresh_consent_after_revocation_exempts_again(self) -> None:
        """A second consent after the revocation has no revocation in (tc2, t]."""
        rows = [
            row("v", "2024-06-03T13:00:00Z", outcome="conversation"),
            row("k1", "2024-06-03T13:30:00Z", kind="consent"),
            row("r", "2024-06-03T14:00:00Z", kind="consent_revoked"),
            row("k2", "2024-06-03T14:30:00Z", kind="consent"),
            row("c", "2024-06-03T15:00:00Z"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_exempt_calls_do_not_count_toward_volume(self) -> None:
        """Exempt calls are not counted calls: c1 exempt leaves n = 7 for c8."""
        rows = [
            # Consent June 3 09:00 EDT, revoked 10:30: only c1 (10:00) is exempt.
            row("k", "2024-06-03T13:00:00Z", kind="consent"),
            row("r", "2024-06-03T14:30:00Z", kind="consent_revoked"),
            *eight_calls_in_seven_days(),
        ]
        assert of_rule(VOL, rows) == set()


class TestInconvenientTime:
    """``us-regf/inconvenient-time``: local time of day outside [08:00:00, 21:00:00)."""

    @pytest.mark.parametrize(
        ("when", "violates"),
        [
            ("2024-06-03T11:59:59Z", True),  # 07:59:59 EDT
            ("2024-06-03T12:00:00Z", False),  # 08:00:00 EDT
            ("2024-06-04T00:59:59Z", False),  # 20:59:59 EDT (June 3)
            ("2024-06-04T01:00:00Z", True),  # 21:00:00 EDT (June 3)
            ("2024-06-03T08:00:00-04:00", False),  # 08:00:00 written with offset
            ("2024-06-03T04:00:00Z", True),  # 00:00:00 EDT
            ("2024-06-03T03:59:59Z", True),  # 23:59:59 EDT (June 2)
        ],
    )
    def test_window_edges(self, when: str, violates: bool) -> None:
        """08:00:00 and 20:59:59 are allowed; 07:59:59 and 21:00:00 are not."""
        rows = [row("e", when)]
        assert of_rule(TIME, rows) == ({"e"} if violates else set())
        if violates:
            assert evidence(rows)[(TIME, "e")] == ("e",)

    def test_any_candidate_zone(self) -> None:
        """10:30 EDT is 07:30 PDT: fine in New York, inconvenient in Los Angeles."""
        one = [row("e", "2024-06-03T14:30:00Z")]
        assert of_rule(TIME, one) == set()
        two = [row("e", "2024-06-03T14:30:00Z", timezone=f"{NY}|{LA}")]
        assert of_rule(TIME, two) == {"e"}
        swapped = [row("e", "2024-06-03T14:30:00Z", timezone=f"{LA}|{NY}")]
        assert of_rule(TIME, swapped) == {"e"}
        # 18:30 PDT is 21:30 EDT: inconvenient through the second candidate.
        late = [row("e", "2024-06-04T01:30:00Z", timezone=f"{LA}|{NY}")]
        assert of_rule(TIME, late) == {"e"}
        # 12:00 EDT = 09:00 PDT: fine in both.
        fine = [row("e", "2024-06-03T16:00:00Z", timezone=f"{NY}|{LA}")]
        assert of_rule(TIME, fine) == set()

    @pytest.mark.parametrize(
        ("when", "violates"),
        [
            # 2024-03-10: clocks jump 02:00 EST -> 03:00 EDT at 07:00Z; after that UTC-04:00.
            ("2024-03-10T11:59:59Z", True),  # 07:59:59 EDT (EST reading: 06:59:59)
            ("2024-03-10T12:00:00Z", False),  # 08:00:00 EDT (EST reading would say 07:00)
            ("2024-03-10T12:30:00Z", False),  # 08:30:00 EDT
            ("2024-03-11T00:59:59Z", False),  # 20:59:59 EDT
            ("2024-03-11T01:00:00Z", True),  # 21:00:00 EDT (EST reading would say 20:00)
            ("2024-03-10T06:59:59Z", True),  # 01:59:59 EST, just before the jump
            ("2024-03-10T07:00:00Z", True),  # 03:00:00 EDT, just after the jump
            # 2024-11-03: clocks fall back 02:00 EDT -> 01:00 EST at 06:00Z; then UTC-05:00.
            ("2024-11-03T12:59:59Z", True),  # 07:59:59 EST (EDT reading would say 08:59)
            ("2024-11-03T13:00:00Z", False),  # 08:00:00 EST
            ("2024-11-03T12:00:00Z", True),  # 07:00:00 EST
            ("2024-11-04T01:59:59Z", False),  # 20:59:59 EST
            ("2024-11-04T02:00:00Z", True),  # 21:00:00 EST
            ("2024-11-04T01:30:00Z", False),  # 20:30:00 EST (EDT reading would say 21:30)
            ("2024-11-03T05:30:00Z", True),  # 01:30:00 EDT (first 01:30)
            ("2024-11-03T06:30:00Z", True),  # 01:30:00 EST (second 01:30)
        ],
    )
    def test_dst_days_new_york(self, when: str, violates: bool) -> None:
        """On both 2024 DST transition days the offset in force at the instant is used."""
        rows = [row("e", when)]
        assert of_rule(TIME, rows) == ({"e"} if violates else set())

    def test_checked_events_only(self) -> None:
        """Letters, inbound, attorneys/creditors and consent rows are not checked.

        Spouse, guardian, executor and not_connected calls and sms are checked.
        """
        late = "2024-06-04T02:00:00Z"  # 22:00 EDT
        rows = [
            row("letter", late, channel="letter"),
            row("inbound", late, direction="inbound"),
            row("attorney", late, party="attorney", to_="+1"),
            row("creditor", late, party="creditor", to_="+2"),
            row("consent", late, kind="consent"),
            row("spouse", late, party="spouse", to_="+3"),
            row("guardian", late, party="guardian", to_="+4"),
            row("executor", late, party="executor", to_="+5"),
            row("nc", late, outcome="not_connected"),
            row("sms", late, channel="sms"),
            row("email", late, channel="email"),
            row("nochannel", late, channel=""),
        ]
        assert of_rule(TIME, rows) == {
            "spouse",
            "guardian",
            "executor",
            "nc",
            "sms",
            "email",
            "nochannel",
        }

    def test_consent_does_not_exempt_inconvenient_time(self) -> None:
        """The consent exemption is for call frequency only."""
        rows = [
            row("k", "2024-06-03T13:00:00Z", kind="consent"),
            row("e", "2024-06-04T02:00:00Z"),
        ]
        assert of_rule(TIME, rows) == {"e"}


class TestLocalDates:
    """Local dates on DST days and for evening calls whose UTC date is the next day."""

    def test_primary_zone_alone_fixes_the_local_date(self) -> None:
        """With zones NY|London the call-rule date is the New York date.

        v at 2024-06-03T02:00Z: New York June 2 (primary) though London June 3. The call on
        2024-06-09T14:00Z (June 9) is d_v + 7, so no call-after-conversation violation.
        """
        rows = [
            row(
                "v", "2024-06-03T02:00:00Z", outcome="conversation", timezone=f"{NY}|Europe/London"
            ),
            row("c", "2024-06-09T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_evening_call_utc_next_day_counts_on_local_day(self) -> None:
        """20:30 EDT June 9 is 2024-06-10T00:30Z; its local date June 9 = d_v + 6."""
        rows = [
            row("v", "2024-06-03T14:00:00Z", outcome="conversation"),
            row("c", "2024-06-10T00:30:00Z"),
        ]
        assert of_rule(CONV, rows) == {"c"}
        assert of_rule(TIME, rows) == set()

    def test_evening_call_completes_volume_window(self) -> None:
        """Seven calls June 3..8 plus 20:30 EDT June 9 (UTC June 10): n = 8 in June 3..9."""
        rows = eight_calls_in_seven_days()
        rows[-1] = row("c8", "2024-06-10T00:30:00Z")
        assert of_rule(VOL, rows) == {"c8"}

    def test_evening_conversation_date_is_local(self) -> None:
        """Conversation 22:00 EDT June 2 (UTC June 3): d_v = June 2, so June 9 is d_v + 7."""
        rows = [
            row("v", "2024-06-03T02:00:00Z", outcome="conversation"),
            row("c", "2024-06-09T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_fall_back_day_late_evening(self) -> None:
        """2024-11-04T04:30Z is 23:30 EST on Nov 3 (an EDT reading would say 00:30 Nov 4).

        A conversation on Oct 28 (d_v) makes Nov 3 = d_v + 6: violation.
        """
        rows = [
            row("v", "2024-10-28T14:00:00Z", outcome="conversation"),
            row("c", "2024-11-04T04:30:00Z"),
        ]
        assert of_rule(CONV, rows) == {"c"}

    def test_spring_forward_day_midnight(self) -> None:
        """2024-03-11T04:30Z is 00:30 EDT Mar 11 (an EST reading would say 23:30 Mar 10).

        A conversation on Mar 4 (d_v) makes Mar 10 the last day; Mar 11 is d_v + 7.
        """
        rows = [
            row("v", "2024-03-04T15:00:00Z", outcome="conversation"),
            row("c", "2024-03-11T04:30:00Z"),
        ]
        assert of_rule(CONV, rows) == set()
        rows[1]["time"] = "2024-03-11T03:59:59Z"  # 23:59:59 EDT Mar 10
        assert of_rule(CONV, rows) == {"c"}

    def test_volume_window_across_fall_back(self) -> None:
        """Days Oct 28..Nov 3 span the change; all eight calls fall in c7's window.

        c0..c5 are 23:30 EDT Oct 28..Nov 2 (03:30Z the next UTC day); c6 is 17:00 EST Nov 3
        and c7 is 23:30 EST Nov 3 = 04:30Z Nov 4. Only c7 has n = 8.
        """
        rows = [row(f"c{i}", f"2024-10-{29 + i:02d}T03:30:00Z") for i in range(3)]
        rows += [row(f"c{3 + i}", f"2024-11-0{1 + i}T03:30:00Z") for i in range(3)]
        rows += [row("c6", "2024-11-03T22:00:00Z"), row("c7", "2024-11-04T04:30:00Z")]
        assert of_rule(VOL, rows) == {"c7"}


class TestScopeAndDefaults:
    """Jurisdiction routing for a US-scoped pack and the column defaults."""

    @pytest.mark.parametrize(
        ("jurisdiction", "in_scope"),
        [
            ("", True),
            ("US", True),
            ("US-NY", True),
            ("US-", True),
            ("USA", False),
            ("CA-ON", False),
            ("us", True),  # codes are case-insensitive
            (" us-ny ", True),
            ("GB", False),
        ],
    )
    def test_jurisdiction_routing(self, jurisdiction: str, in_scope: bool) -> None:
        """Empty, ``US`` or ``US-*`` are in scope; everything else is ignored entirely."""
        rows = [row("e", "2024-06-04T02:00:00Z", jurisdiction=jurisdiction)]
        assert of_rule(TIME, rows) == ({"e"} if in_scope else set())

    def test_out_of_scope_events_are_not_context(self) -> None:
        """An out-of-scope conversation is not seen by in-scope calls."""
        rows = [
            row("v", "2024-06-03T14:00:00Z", outcome="conversation", jurisdiction="CA-ON"),
            row("c", "2024-06-04T14:00:00Z"),
        ]
        assert of_rule(CONV, rows) == set()

    def test_defaults(self) -> None:
        """Empty id -> row number; debtor -> account; party -> debtor; direction/kind."""
        event = parse_event(
            {"time": "2024-06-03T14:00:00Z", "account": "A9", "timezone": NY}, row_number=4
        )
        assert event.id == "4"
        assert event.debtor == "A9"
        assert event.party == "debtor"
        assert event.direction == "outbound"
        assert event.kind == "contact"
        assert event.key == ("A9", "A9")
        assert event.zones == (NY,)

    def test_default_ids_and_party_in_rules(self) -> None:
        """Rows with only time/account/timezone/channel are outbound calls to the debtor."""
        rows = [
            {"time": "2024-06-04T02:00:00Z", "account": "A1", "timezone": NY, "channel": "call"},
            {"time": "2024-06-04T03:00:00Z", "account": "A1", "timezone": NY, "channel": "call"},
        ]
        assert findings(rows) == {(TIME, "1"), (TIME, "2")}
