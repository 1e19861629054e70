"""WebDAV, CalDAV and CardDAV (the DAV issue)."""
