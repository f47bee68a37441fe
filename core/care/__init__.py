"""Who is drifting: facilitators notice members whose participation has dropped and reach
them kindly; members pause and resume."""
