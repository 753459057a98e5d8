"""The discrete-event model of an infusion center (SimPy): pure, no Django (issue 13)."""
