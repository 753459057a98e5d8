"""Staff rostering: the roster problem, its CP-SAT model, explanations and the INRC-II benchmark."""
