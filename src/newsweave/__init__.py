"""newsweave: a self-hosted news engine whose every sentence is traceable to its sources."""

__version__ = "0.1.0"
