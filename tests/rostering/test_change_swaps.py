"""Swap requests on a published roster: checked against the hard rules when asked and again
when approved (under the roster's lock), applied to the assignment rows and availability, told
to the people involved."""

import datetime as dt
import threading

import pytest
from django.db import connection

from availability.models import AvailabilityException
from booking.models import Notification
from rostering import selectors
from rostering.models import Assignment, StaffMember, SwapRequest, SwapStatus
from rostering.services import change
from scheduling.errors import ApplicationError

pytestmark = pytest.mark.django_db(transaction=True)


def _works(roster, member, day):
    return Assignment.objects.filter(roster=roster, staff=member, date=day).select_related("shift_type").first()


def _give_aways(facility, actor, roster, *, requester=None, how_many=1):
    """Swaps that the checker accepts, found by asking: ``how_many`` partners for one
    requester's one shift. A give-away first; in a week where everyone is near their hours, an
    exchange of two like shifts (the partner's on a day the requester is off)."""
    people = list(StaffMember.objects.filter(rota=roster.rota).order_by("pk"))
    givers = [requester] if requester else people
    for exchange in (False, True):
        for giver in givers:
            for row in Assignment.objects.filter(roster=roster, staff=giver).order_by("date"):
                made = []
                for partner in people:
                    if partner == giver or _works(roster, partner, row.date):
                        continue
                    for partner_date in _their_days(roster, giver, partner, row) if exchange else [None]:
                        try:
                            made.append(
                                change.swap_request_create(
                                    facility=facility,
                                    actor=actor,
                                    roster_id=roster.pk,
                                    requester_staff_id=giver.pk,
                                    requester_date=row.date,
                                    partner_staff_id=partner.pk,
                                    partner_date=partner_date,
                                )
                            )
                            break
                        except ApplicationError as error:
                            assert error.code in ("swap_breaks_rules", "invalid"), error.message
                    if len(made) == how_many:
                        return made
                SwapRequest.objects.filter(pk__in=[swap.pk for swap in made]).delete()
    raise AssertionError("no acceptable swap in the roster")


def _their_days(roster, giver, partner, row) -> list:
    """The partner's days on the giver's shift type when the giver is off."""
    return [
        other.date
        for other in Assignment.objects.filter(roster=roster, staff=partner, shift_type=row.shift_type).order_by("date")
        if not _works(roster, giver, other.date)
    ]


def test_a_swap_that_breaks_rest_is_refused_in_words_and_nothing_is_saved(facility, user, published_roster):
    roster = published_roster
    for night in Assignment.objects.filter(roster=roster, shift_type__code="N").order_by("date"):
        next_day = night.date + dt.timedelta(days=1)
        if next_day > roster.last_day or _works(roster, night.staff, next_day):
            continue
        day_row = Assignment.objects.filter(roster=roster, date=next_day, shift_type__code="D").first()
        if day_row is None:
            continue
        with pytest.raises(ApplicationError) as error:
            change.swap_request_create(
                facility=facility,
                actor=user,
                roster_id=roster.pk,
                requester_staff_id=day_row.staff_id,
                requester_date=next_day,
                partner_staff_id=night.staff_id,
            )
        assert error.value.code == "swap_breaks_rules" and error.value.status_code == 409
        rules = {item["rule"] for item in error.value.extra["findings"]}
        assert "rest" in rules
        assert all(item["message"] for item in error.value.extra["findings"])
        assert "would break" in error.value.message
        assert not SwapRequest.objects.exists()
        return
    pytest.fail("no night followed by a free day in the roster")


def test_an_approved_swap_moves_the_row_and_its_availability(facility, user, manager, published_roster):
    roster = published_roster
    (swap,) = _give_aways(facility, user, roster)
    assert swap.status == SwapStatus.PENDING and swap.findings == []
    told = Notification.objects.filter(recipient=manager, booking__isnull=True)
    assert told.count() == 1 and "swap requested" in told.get().message.lower()

    row = _works(roster, swap.requester, swap.requester_date)
    old_exception = row.exception_id
    assert old_exception
    change.swap_decide(facility=facility, actor=manager, swap_id=swap.pk, approve=True, note="Fine")
    swap.refresh_from_db()
    row.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED and swap.decided_by == manager
    assert row.staff_id == swap.partner_id
    assert not AvailabilityException.objects.filter(pk=old_exception).exists()
    assert row.exception_id, "the sync gave the new holder the shift's extra time"
    extra = AvailabilityException.objects.get(pk=row.exception_id)
    assert extra.resource_id == swap.partner.resource_id and extra.is_available
    assert selectors.roster_solution(roster=roster).shift(
        str(swap.partner_id), (swap.requester_date - roster.first_day).days
    )
    assert row.history.count() >= 2, "the change is audited"

    with pytest.raises(ApplicationError) as error:
        change.swap_decide(facility=facility, actor=manager, swap_id=swap.pk, approve=True)
    assert error.value.code == "swap_state"


def test_a_registrar_swaps_only_their_own_shifts_and_withdraws_only_their_own(
    facility, user, registrar, other_registrar, published_roster
):
    roster = published_roster
    mine = selectors.staff_for_user(facility=facility, user=registrar).get()
    theirs = selectors.staff_for_user(facility=facility, user=other_registrar).get()
    their_row = Assignment.objects.filter(roster=roster, staff=theirs).first()
    with pytest.raises(ApplicationError) as error:
        change.swap_request_create(
            facility=facility,
            actor=registrar,
            roster_id=roster.pk,
            requester_staff_id=theirs.pk,
            requester_date=their_row.date,
            partner_staff_id=mine.pk,
        )
    assert error.value.code == "permission_denied"
    my_row = Assignment.objects.filter(roster=roster, staff=mine).first()
    with pytest.raises(ApplicationError) as error:
        change.swap_request_create(
            facility=facility,
            actor=registrar,
            roster_id=roster.pk,
            requester_staff_id=mine.pk,
            requester_date=my_row.date + dt.timedelta(days=30),
            partner_staff_id=theirs.pk,
        )
    assert error.value.fields.keys() == {"requester_date"}
    assert not SwapRequest.objects.exists()

    (swap,) = _give_aways(facility, registrar, roster, requester=mine)
    with pytest.raises(ApplicationError) as error:
        change.swap_withdraw(facility=facility, actor=other_registrar, swap_id=swap.pk)
    assert error.value.code in ("permission_denied", "not_found")
    with pytest.raises(ApplicationError) as error:
        change.swap_decide(facility=facility, actor=registrar, swap_id=swap.pk, approve=True)
    assert error.value.code == "permission_denied"
    change.swap_withdraw(facility=facility, actor=registrar, swap_id=swap.pk)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.WITHDRAWN


def test_two_conflicting_approvals_at_once_apply_one(facility, user, manager, published_roster):
    roster = published_roster
    (first,) = _give_aways(facility, user, roster)
    # The same shift offered again (to another colleague when one fits, else the same one).
    second = None
    for partner in StaffMember.objects.filter(rota=roster.rota).exclude(pk__in=[first.requester_id, first.partner_id]):
        if _works(roster, partner, first.requester_date):
            continue
        try:
            second = change.swap_request_create(
                facility=facility,
                actor=user,
                roster_id=roster.pk,
                requester_staff_id=first.requester_id,
                requester_date=first.requester_date,
                partner_staff_id=partner.pk,
            )
            break
        except ApplicationError:
            continue
    if second is None:  # the very same swap asked twice
        second = change.swap_request_create(
            facility=facility,
            actor=user,
            roster_id=roster.pk,
            requester_staff_id=first.requester_id,
            requester_date=first.requester_date,
            partner_staff_id=first.partner_id,
            partner_date=first.partner_date,
        )
    barrier = threading.Barrier(2)
    outcomes = {}

    def approve(swap):
        try:
            barrier.wait(timeout=60)
            change.swap_decide(facility=facility, actor=manager, swap_id=swap.pk, approve=True)
            outcomes[swap.pk] = "approved"
        except ApplicationError as error:
            outcomes[swap.pk] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(swap,)) for swap in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The loser re-checks under the lock and finds the shift gone: refused, whichever words the
    # re-check uses (the race lost, or the swap no longer fitting the roster as it now stands).
    assert sorted(outcomes.values())[0] == "approved", outcomes
    assert sorted(outcomes.values())[1] in ("swap_state", "swap_breaks_rules", "invalid"), outcomes
    statuses = sorted(SwapRequest.objects.values_list("status", flat=True))
    assert statuses == [SwapStatus.APPROVED, SwapStatus.PENDING]
    winner = SwapRequest.objects.get(status=SwapStatus.APPROVED)
    row = Assignment.objects.get(roster=roster, date=first.requester_date, staff=winner.partner)
    assert row.shift_type_id
    assert not Assignment.objects.filter(roster=roster, date=first.requester_date, staff=first.requester).exists()
