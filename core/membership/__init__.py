"""Membership: joining, profiles, leaving and roles."""
