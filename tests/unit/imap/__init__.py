"""Unit tests of the IMAP door (a package, so its test_wire/test_parser modules do not
collide with the POP3 tests of the same names)."""
