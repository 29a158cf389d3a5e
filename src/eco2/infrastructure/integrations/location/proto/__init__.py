"""Generated stubs for location.v1 (regenerate with `make protos`)."""
