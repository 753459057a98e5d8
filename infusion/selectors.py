"""Reads of the infusion center. Every selector takes the facility and filters by it."""

from availability import services as availability


class NurseSupportedChairs:
    """Availability's capacity source for chairs: the nurses on duty × the facility's ratio."""

    def concurrency_limits(self, *, facility, kind, start, end) -> list[availability.ConcurrencyLimit]:
        return []
