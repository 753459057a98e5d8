from frontdesk.views.overview import OverviewView
from frontdesk.views.patient import PatientCommentView, PatientView

__all__ = ["OverviewView", "PatientCommentView", "PatientView"]
