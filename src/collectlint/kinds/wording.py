"""Kind `wording`: forbidden and required language in message bodies.

`forbid` holds named categories of phrases and patterns; a message matching any category is a
finding for the first matching category (in the order written), quoting the matched text from
the original body with its character offsets.  `require` lists phrases and patterns of which at
least one must appear.  `if` limits the rule to messages that match it ("if it mentions a
lawsuit, it must ..."); `unless` exempts messages that match it; `allow` lists phrases that are
blanked out before `forbid` is tried (e.g. "police report you filed" when "police" is
forbidden).  Matching runs on normalised text (see `collectlint.text.normalise`).  An empty or
missing body is not judged at all: the event is counted as `not_judged` for the rule.
`exempt:` lists exemptions opened by account events of a key of their own (see `hours`): the
consumer's consent to a disclosure to one person, until revoked.

Example rule::

    id: electronic-opt-out
    kind: wording
    where: {channel: [sms, email]}
    params:
      require: {phrases: [reply stop, unsubscribe, opt out]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from collectlint import columns as C
from collectlint.kinds import exemptions
from collectlint.kinds.base import EvalContext, Filter, ParamError, findings_frame
from collectlint.text.locate import locate_all
from collectlint.text.matchers import Matcher, PatternError

_TERMS = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "phrases": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "patterns": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}


def _no_text(ctx: EvalContext) -> pl.Series:
    """The events whose body is missing or blank."""
    return ctx.shared(
        "no-text",
        lambda: ctx.events.select(
            pl.col("body").is_null() | (pl.col("body").str.strip_chars() == "")
        ).to_series(),
    )


def _without(texts: pl.Series, allowed: Matcher) -> pl.Series:
    """`texts` with every allowed phrase replaced by a space: a lawful statement cannot make
    a message forbidden.  Only the texts holding one are rewritten (finding is cheaper than
    replacing, and most messages hold none)."""
    holds = allowed.contains(pl.col(texts.name))
    has = texts.to_frame().select(holds).to_series()
    if not has.any():
        return texts
    rewritten = texts.filter(has).str.replace_all(allowed.regex, " ")
    return texts.scatter(has.arg_true(), rewritten)


_JUDGED = "_judged_text"

MISSING = "missing"
"""The category of a finding for a message that lacks every required phrase."""


@dataclass(frozen=True, slots=True)
class Wording:
    """A compiled `wording` rule."""

    name: ClassVar[str] = "wording"
    reads_text: ClassVar[bool] = True
    needs_local_time: ClassVar[bool] = False
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "forbid": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": "^[a-z0-9][a-z0-9_-]*$"},
                "additionalProperties": _TERMS,
            },
            "require": _TERMS,
            "if": _TERMS,
            "unless": _TERMS,
            "allow": _TERMS,
            "exempt": exemptions.schema(standalone=True),
        },
        "anyOf": [{"required": ["forbid"]}, {"required": ["require"]}],
    }

    where: Filter
    forbid: tuple[tuple[str, Matcher], ...]
    require: Matcher | None
    when: Matcher | None
    unless: Matcher | None
    allow: Matcher | None
    exempt: tuple[exemptions.Exemption, ...] = ()

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> Wording:
        """Build from validated params; a pattern the engine cannot run is a `ParamError`."""
        try:

            def optional(name: str) -> Matcher | None:
                return Matcher.build(params[name], [name]) if name in params else None

            forbid = tuple(
                (name, Matcher.build(terms, ["forbid", name]))
                for name, terms in params.get("forbid", {}).items()
            )
            return cls(
                where,
                forbid,
                optional("require"),
                optional("if"),
                optional("unless"),
                optional("allow"),
                exemptions.Exemption.parse_all(params.get("exempt")),
            )
        except PatternError as exc:
            raise ParamError(str(exc), exc.location) from None

    def constants(self) -> Mapping[str, str]:
        """Wording rules add `{category}` and `{quote}`, which vary per finding."""
        return {}

    def verify(self) -> None:
        """Every phrase list and pattern must run on the linear-time regex engine."""
        matchers = [m for _, m in self.forbid]
        matchers += [m for m in (self.require, self.when, self.unless, self.allow) if m]
        try:
            for matcher in matchers:
                matcher.verify()
        except PatternError as exc:
            raise ParamError(str(exc), exc.location) from None

    def not_judged(self, ctx: EvalContext) -> pl.DataFrame:
        """Events the rule applies to but has no text to judge: a letter or call logged with no
        `body` is neither flagged nor passed, only counted (a missing text proves nothing)."""
        return ctx.events.select(C.IDX).filter(self._judged(ctx) & _no_text(ctx))

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag messages with forbidden wording, or without required wording (messages with no
        text are not judged, see `not_judged`)."""
        mask = self._judged(ctx) & ~_no_text(ctx)
        events = ctx.events.select(C.IDX, "id", "body", C.NORM, C.ZONE, C.LOCAL).filter(mask)
        # the text judged, made once (an eager frame does not share a repeated expression)
        judged = events[C.NORM] if self.allow is None else _without(events[C.NORM], self.allow)
        events = events.with_columns(judged.alias(_JUDGED))
        text = pl.col(_JUDGED)
        gate = pl.lit(True)
        if self.when is not None:
            gate = gate & self.when.contains(text)
        if self.unless is not None:
            gate = gate & ~self.unless.contains(text)
        category: pl.Expr = pl.lit(None, dtype=pl.String)
        if self.require is not None:
            category = pl.when(~self.require.contains(text)).then(pl.lit(MISSING))
        for name, matcher in reversed(self.forbid):  # the first category written wins
            category = pl.when(matcher.contains(text)).then(pl.lit(name)).otherwise(category)
        flagged = (
            events.with_columns(pl.when(gate).then(category).alias(C.CATEGORY))
            .filter(pl.col(C.CATEGORY).is_not_null())
            .rename({C.ZONE: C.JUDGED_ZONE, C.LOCAL: C.JUDGED_LOCAL})
        )
        if flagged.height == 0:
            return findings_frame(flagged)
        flagged = flagged.with_columns(pl.concat_list("id").alias(C.EVIDENCE))
        forbidden = flagged.filter(pl.col(C.CATEGORY) != MISSING)
        located = locate_all(forbidden, dict(self.forbid), self.allow) if forbidden.height else None
        missing = flagged.filter(pl.col(C.CATEGORY) == MISSING)
        parts = [findings_frame(f) for f in (located, missing) if f is not None and f.height]
        return pl.concat(parts) if parts else findings_frame(flagged.clear())

    def _judged(self, ctx: EvalContext) -> pl.Series:
        """The events the rule applies to: matching `where` and covered by no exemption (the
        consumer's consent to a disclosure to that person, until revoked)."""
        return exemptions.judged_mask(ctx, self.where, self.exempt)
