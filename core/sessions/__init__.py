"""Sessions: adding, editing and cancelling them, who is coming, their reminders, prompts and nudges."""
