"""Platform adapters, one module per platform behind one interface, and the platform table (docs/platforms.md).

Nothing here is imported until an account of that platform is used, except
the table (:mod:`publisher.platforms.specs`), which has no third-party import.
"""
