"""Exchange Web Services and Autodiscover (the EWS issue)."""
