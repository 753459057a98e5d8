"""The infusion center's capacity: nurses on duty, the chairs they support hour by hour, and
each day's capacity per patient type."""

from availability import services as availability


class NurseSupportedChairs:
    """Availability's capacity source for chairs: the nurses on duty × the facility's ratio."""

    def concurrency_limits(self, *, facility, kind, start, end) -> list[availability.ConcurrencyLimit]:
        return []
