"""The rostering assistant (issue 14, "Interfaces"): a question in plain words becomes one of a few
intents (``intents``: a deterministic parser, no network; ``llm``: the same intents as tools of a
language model when a key is configured), and ``answer`` answers it from the database, the
solver and its explanations only. A write (a what-if, a swap request) comes back as a signed
proposal that a person confirms."""
