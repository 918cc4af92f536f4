"""The airlock HTTP API: thin routes over the service layer."""
