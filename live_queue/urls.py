"""Queue pages under ``/f/<facility_slug>/queue/``: the home and check-in (``views``), a queue's
staff page, its actions and the waiting-room board (``queue_pages``)."""

from django.urls import path

from live_queue import queue_pages, views

app_name = "live_queue"

queue = "<int:queue_id>/"
entry = queue + "entries/<int:entry_id>/"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("check-in/booking/", views.BookingCheckInView.as_view(), name="check_in_booking"),
    path("check-in/walk-in/", views.WalkInCheckInView.as_view(), name="check_in_walk_in"),
    path("patients/", views.PatientSearchView.as_view(), name="patient_search"),
    path(queue, queue_pages.QueueView.as_view(), name="queue"),
    path(queue + "board/", queue_pages.BoardView.as_view(), name="board"),
    path(queue + "call-next/", queue_pages.CallNextView.as_view(), name="call_next"),
    *[
        path(entry + f"{move}/", queue_pages.EntryMoveView.as_view(), {"move": move}, name=move)
        for move in queue_pages.ENTRY_MOVES
    ],
    path(entry + "bump/", queue_pages.EntryShiftView.as_view(), {"direction": -1}, name="bump"),
    path(entry + "send-back/", queue_pages.EntryShiftView.as_view(), {"direction": 1}, name="send_back"),
    path(entry + "vip/", queue_pages.EntryVipView.as_view(), name="vip"),
    path(entry + "vip/clear/", queue_pages.EntryClearVipView.as_view(), name="clear_vip"),
    path(entry + "transfer/", queue_pages.EntryTransferView.as_view(), name="transfer"),
    path(entry + "undo-check-in/", queue_pages.EntryUndoCheckInView.as_view(), name="undo_check_in"),
]
