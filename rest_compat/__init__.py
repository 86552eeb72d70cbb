"""The REST face: error envelope, transport-only routes and (later) the generated routers."""
