"""Co-design polls and the end-of-programme survey."""
