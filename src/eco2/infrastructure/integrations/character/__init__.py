"""Character service integration (gRPC client and the wire contract)."""
