"""dsorders: the AliExpress dropshipping order API, as a service and an SDK."""

__version__ = "0.1.0"
