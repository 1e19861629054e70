"""The web UI's views: pages, JSON endpoints for the panes, message content, compose."""
