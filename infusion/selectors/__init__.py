"""Reads of the infusion center (issue 13), by area: capacity and configuration, placement,
simulation runs. Every selector takes the facility and filters by it."""
