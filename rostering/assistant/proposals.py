"""A write the assistant proposes (a what-if, a swap request): the action, its parameters and a
summary in words, carried by a signed token (salted, with the facility and the user inside, valid
``PROPOSAL_MAX_AGE`` seconds, confirmable once) that ``proposal_confirm`` turns into the change
service's call, made as the confirming user, so the service decides whether they may.

Errors: 400 ``invalid`` naming ``token`` (forged, altered or expired); 403 ``permission_denied``
for another user's or another facility's token; 409 ``proposal_used`` for a token already
confirmed; the change services' own errors (nothing is then marked as used).
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

from scheduling.errors import ApplicationError

PROPOSAL_SALT = "rostering.assistant.proposal"
PROPOSAL_MAX_AGE = 15 * 60


def _invalid(name: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", message, fields={name: [message]})


@dataclass(frozen=True)
class Proposal:
    action: str  # "what_if" | "swap"
    params: dict
    summary: str
    token: str = ""


@dataclass(frozen=True)
class Confirmation:
    action: str
    text: str
    roster_id: int | None = None
    swap_request_id: int | None = None


def proposal_sign(*, facility, actor, action: str, params: dict) -> str:
    return signing.dumps(
        {"action": action, "params": params, "facility": facility.pk, "user": actor.pk},
        salt=PROPOSAL_SALT,
        compress=True,
    )


def proposal_read(*, facility, actor, token) -> Proposal:
    """The proposal ``token`` carries, if it is genuine, fresh, and the asker's in this facility."""
    if not isinstance(token, str) or not token:
        raise _invalid("token", "The proposal's token is missing.")
    try:
        content = signing.loads(token, salt=PROPOSAL_SALT, max_age=PROPOSAL_MAX_AGE)
    except signing.SignatureExpired:
        raise _invalid("token", "The proposal has expired; ask again.") from None
    except signing.BadSignature:
        raise _invalid("token", "The proposal's token is not valid.") from None
    if content.get("facility") != facility.pk or content.get("user") != actor.pk:
        raise ApplicationError("permission_denied", "This proposal was made for someone else.")
    if content.get("action") not in ("what_if", "swap") or not isinstance(content.get("params"), dict):
        raise _invalid("token", "The proposal's token is not valid.")
    return Proposal(action=content["action"], params=content["params"], summary="", token=token)


def _change_services():
    # Imported when a proposal is confirmed: the change services are their own module.
    return importlib.import_module("rostering.services.change")


def proposal_confirm(*, facility, actor, token) -> Confirmation:
    """Carries out the proposal ``token`` carries, once: a what-if roster (``roster.manage``) or
    a swap request (own shifts, or anyone's for a manager), by the change services as ``actor``."""
    proposal = proposal_read(facility=facility, actor=actor, token=token)
    used_key = "rostering:assistant:used:" + hashlib.sha256(token.encode()).hexdigest()
    if not cache.add(used_key, True, timeout=PROPOSAL_MAX_AGE + 60):
        raise ApplicationError("proposal_used", "This proposal has already been confirmed.", status_code=409)
    change = _change_services()
    params = proposal.params
    try:
        if proposal.action == "what_if":
            roster = change.what_if_create(
                facility=facility,
                actor=actor,
                roster_id=params["roster_id"],
                coverage=params["coverage"],
                note=params.get("note", ""),
            )
            return Confirmation(
                "what_if",
                f"The what-if “{roster.name}” is being solved; it never changes the published roster.",
                roster_id=roster.pk,
            )
        swap = change.swap_request_create(
            facility=facility,
            actor=actor,
            roster_id=params["roster_id"],
            requester_staff_id=params["requester_staff_id"],
            requester_date=params["requester_date"],
            partner_staff_id=params["partner_staff_id"],
            partner_date=params.get("partner_date"),
            reason=params.get("reason", ""),
        )
        return Confirmation(
            "swap",
            "The swap request is waiting for a manager's decision.",
            roster_id=params["roster_id"],
            swap_request_id=swap.pk,
        )
    except BaseException:
        # Nothing was made: the same proposal may be confirmed again.
        cache.delete(used_key)
        raise
