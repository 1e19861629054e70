"""The POP3 server (the POP3 issue)."""
