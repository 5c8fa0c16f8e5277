"""The publishing queue: database, leases, content sync, dispatcher and daemon."""
