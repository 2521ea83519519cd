"""Turning accepted tonnes into whole units: floor, and carry the remainder.

Accepted reductions are credited in tCO2e with up to six decimals; Shenzhen
CER units are whole tonnes. Each issuance account (a project, a site, or the
pool of a reporting platform, per partner, Shenzhen methodology and vintage)
carries its fractional remainder forward: it is issued once the account
reaches a whole tonne, never rounded up and never lost. Invariant, for every
account:

    carried_before + sum(credited) == units + carried_after, 0 <= carried_after < 1

Personal reductions are pooled (DESIGN.md §5): one person's commute (a few
hundred kilograms a year) never makes a whole tonne on its own, so the
accepted personal claims of every person a platform reports accrue to one
pool per (partner, platform, methodology, vintage[, adjustment ref]), whose
whole tonnes are issued to the platform's operator. A remainder is carried
per pool, never per person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import MAX_PREC, ROUND_FLOOR, Decimal, localcontext
from enum import StrEnum

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.claims import Verdict
from hub.domain.serial_blocks import PERSONAL_PROJECT, Series, project_token

ONE = Decimal(1)


class IssuanceState(StrEnum):
    """Where an accepted claim stands on its way to Shenzhen CER units."""

    PENDING = "PENDING"  # accepted, waiting for the issuer
    AWAITING_SOURCE_CANCELLATION = "AWAITING_SOURCE_CANCELLATION"  # origin credits exist
    ISSUED = "ISSUED"  # its tonnes are in blocks or carried on its account
    VOIDED = "VOIDED"  # no cancellation attested before the deadline


@dataclass(frozen=True, slots=True)
class AccountKey:
    """Where units of one claim go, and where its remainder is carried."""

    partner: str
    methodology: str
    vintage: int
    # "project:<id>", "site:<id>" or "pool:<platform>"; "person:<pseudonym>"
    # only in records written before personal reductions were pooled.
    account: str
    # Cross-border claims carry the origin's accounting-adjustment reference;
    # remainders under different attestations never mix, so a block has one.
    adjustment_ref: str | None = None

    def series(self) -> Series:
        kind, _, ident = self.account.partition(":")
        # Pools take the personal series of the person accounts before them,
        # so the serials of personal units continue where they stopped.
        token = PERSONAL_PROJECT if kind in (PERSON, POOL) else project_token(ident)
        return Series(self.partner, self.methodology, self.vintage, token)

    @property
    def personal(self) -> bool:
        """A person's account, to be pooled under its reporting platform."""
        return self.account.startswith(f"{PERSON}:")

    @property
    def platform(self) -> str | None:
        """The reporting platform of a pool, else None."""
        kind, _, ident = self.account.partition(":")
        return ident if kind == POOL else None

    def pooled(self, platform: str) -> AccountKey:
        """This personal account's pool under ``platform``: same partner,
        methodology, vintage and adjustment reference, whoever the person."""
        if not self.personal:
            raise ValueError(f"only a personal account is pooled, not {self.account}")
        if not platform:
            raise ValueError("a pool needs a platform")
        pool = pool_account(platform)
        return AccountKey(self.partner, self.methodology, self.vintage, pool, self.adjustment_ref)


PERSON = "person"
POOL = "pool"


def pool_account(platform: str) -> str:
    return f"{POOL}:{platform}"


def account_for(
    partner: str,
    methodology: str,
    vintage: int,
    *,
    project_id: str | None,
    site_id: str | None,
    person_pseudonym: str | None,
    adjustment_ref: str | None = None,
) -> AccountKey:
    """A project's claims go to the project, else a person's to the person, else
    to the site: a personal claim that also names its site belongs to the person."""
    if project_id:
        account = f"project:{project_id}"
    elif person_pseudonym:
        account = f"person:{person_pseudonym}"
    elif site_id:
        account = f"site:{site_id}"
    else:
        raise ValueError("a claim with neither project, site nor person has no account")
    return AccountKey(partner, methodology, vintage, account, adjustment_ref or None)


@dataclass(frozen=True, slots=True)
class Allocation:
    units: int
    carried_after: Decimal


def allocate(carried_before: Decimal, credited: Iterable[Decimal]) -> Allocation:
    """Whole units out of the carried balance plus newly credited tonnes.

    A balance is below one tonne, except once: a pool that took over the
    remainders of its people (migration 0007) may carry whole tonnes, which
    its next allocation issues.
    """
    if carried_before < 0:
        raise ValueError(f"a carried balance cannot be negative: {carried_before}")
    # The default context keeps 28 digits and would silently round away the
    # fraction (or whole tonnes) of a large total; with unbounded precision
    # sums and differences of finite decimals are exact.
    with localcontext() as ctx:
        ctx.prec = MAX_PREC
        total = carried_before
        for amount in credited:
            if amount < 0:
                raise ValueError(f"credited tonnes cannot be negative: {amount}")
            total += amount
        units = int(total.to_integral_value(rounding=ROUND_FLOOR))
        return Allocation(units=units, carried_after=total - units)


def fold(carried: Decimal, former: Iterable[Decimal]) -> Decimal:
    """An account's balance with what the same account carried under its
    methodology's former ids added: exactly, never rounded (a renamed
    methodology's remainders are not lost). The result may reach a whole
    tonne, which the account's allocation then issues."""
    with localcontext() as ctx:
        ctx.prec = MAX_PREC
        total = carried
        for amount in former:
            if amount < 0:
                raise ValueError(f"a carried balance cannot be negative: {amount}")
            total += amount
        return total


class ClaimState(StrEnum):
    """A claim's place in its life (DESIGN.md §4), from decision and issuance."""

    ACCEPTED = "ACCEPTED"  # accepted, to be issued
    REJECTED = "REJECTED"
    HELD = "HELD"
    AWAITING_SOURCE_CANCELLATION = "AWAITING_SOURCE_CANCELLATION"
    ISSUED = "ISSUED"
    VOIDED = "VOIDED"


def claim_state(decision: str, issuance: IssuanceState | None) -> ClaimState:
    """HELD and REJECTED win over issuance (a held claim keeps its issuance
    state for when a reviewer accepts it); a voided claim is VOIDED."""
    if issuance is IssuanceState.VOIDED:
        return ClaimState.VOIDED
    if decision == "REJECTED":
        return ClaimState.REJECTED
    if decision == "HELD":
        return ClaimState.HELD
    if issuance is IssuanceState.AWAITING_SOURCE_CANCELLATION:
        return ClaimState.AWAITING_SOURCE_CANCELLATION
    if issuance is IssuanceState.ISSUED:
        return ClaimState.ISSUED
    return ClaimState.ACCEPTED


# The info check the assessment fires for a reduction already issued at its
# origin: such a claim waits for the cancellation at source.
AWAITING_CHECK = "AWAITING_SOURCE_CANCELLATION"


def issuance_on_acceptance(verdict: Verdict) -> IssuanceState | None:
    """Where a newly decided claim enters issuance: None for a rejected one;
    a held one keeps the state it will enter if a reviewer accepts it."""
    if verdict.decision is Decision.REJECTED:
        return None
    if any(check.code == AWAITING_CHECK for check in verdict.checks):
        return IssuanceState.AWAITING_SOURCE_CANCELLATION
    return IssuanceState.PENDING


def initial_state(verdict: Verdict) -> ClaimState:
    """The state a verdict puts a new claim in."""
    return claim_state(str(verdict.decision), issuance_on_acceptance(verdict))
