"""Action learning sets: small, stable groups of peers who meet on a rhythm for a cycle.

For now only the pure matcher (`core.sets.matching`): who shares a set with whom. The
tables, service, scheduled meetings and messages are built on it later.
"""
