"""The wire protocol, pure: no I/O, no server. Shared by the gateway and the SDK."""
