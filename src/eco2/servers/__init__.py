"""The character and location gRPC services: own deployables, started with `eco2 *-server`."""
