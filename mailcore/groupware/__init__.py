"""iCalendar/vCard items, recurrence, scheduling (the groupware issues)."""
