"""Queue pages under ``/f/<facility_slug>/queue/``."""

from django.urls import path

from live_queue import views

app_name = "live_queue"

queue = "<int:queue_id>/"
entry = queue + "entries/<int:entry_id>/"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("check-in/booking/", views.BookingCheckInView.as_view(), name="check_in_booking"),
    path("check-in/walk-in/", views.WalkInCheckInView.as_view(), name="check_in_walk_in"),
    path("patients/", views.PatientSearchView.as_view(), name="patient_search"),
    path(queue, views.QueueView.as_view(), name="queue"),
    path(queue + "board/", views.BoardView.as_view(), name="board"),
    path(queue + "call-next/", views.CallNextView.as_view(), name="call_next"),
    *[path(entry + f"{move}/", views.EntryMoveView.as_view(), {"move": move}, name=move) for move in views.ENTRY_MOVES],
    path(entry + "bump/", views.EntryShiftView.as_view(), {"direction": -1}, name="bump"),
    path(entry + "send-back/", views.EntryShiftView.as_view(), {"direction": 1}, name="send_back"),
    path(entry + "vip/", views.EntryVipView.as_view(), name="vip"),
    path(entry + "transfer/", views.EntryTransferView.as_view(), name="transfer"),
    path(entry + "undo-check-in/", views.EntryUndoCheckInView.as_view(), name="undo_check_in"),
]
