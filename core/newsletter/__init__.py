"""The monthly newsletter: drafted on the facilitators' day, edited, sent once."""
