"""Writes of the infusion center (issue 13). Every service takes the facility and the acting user."""
