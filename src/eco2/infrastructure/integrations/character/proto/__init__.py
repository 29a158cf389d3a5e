"""Generated stubs for character.v1 (regenerate with `make protos`)."""
