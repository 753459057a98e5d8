"""Writes of the infusion center (issue 13), by area: configuration and nurses on duty, placement,
simulation runs. Import the area module: `from infusion.services import placement`."""
