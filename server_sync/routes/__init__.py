"""The JSON API, one module per resource: thin callers of `server_sync.services`."""
