"""Reflections: what members write after a prompt, and the facilitators' export."""
