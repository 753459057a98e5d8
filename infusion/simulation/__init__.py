"""The discrete-event model of an infusion center (SimPy): pure, no Django (issue 13).

``parameters`` (what a run is told, with the study's defaults and the assumptions where it gives
none), ``model`` (one replication of one policy, placing every request with
``infusion.engine.place``), ``runner`` (replications on common random numbers, summarised with
95 % intervals), ``streams`` and ``statistics``.
"""
