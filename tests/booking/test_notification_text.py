"""A staff notice writes its day as the pages and the reschedule notice do ('Tue 8 Dec'), not
with a padded day ('Tue 08 Dec') that reads differently from the one beside it."""

import pytest

from booking.models import Notification
from tests.booking.test_notification_recipients import book, people  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_a_new_booking_notice_writes_the_day_unpadded(clinic, people, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(clinic, people["desk"])

    start = clinic.at("10:00")
    notice = Notification.objects.filter(booking_id=booking.pk).first()
    assert f", {start:%a} {start.day} {start:%b %Y} 10:00 with Chair 01." in notice.message
