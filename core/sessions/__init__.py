"""Sessions: adding, editing and cancelling them, who is coming, and their reminders,
prompts and nudges."""
