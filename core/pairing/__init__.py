"""Peer coaching: pairing rounds, the matching algorithm, and its messages."""
