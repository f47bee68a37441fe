"""The Discord adapter (issue 15), discord.py 2.x. Only bot/ imports discord.

Nothing here runs yet: ``catalyst run`` doesn't build a Discord client until the adapter is
wired (docs/discord-testing.md says what comes next).
"""
