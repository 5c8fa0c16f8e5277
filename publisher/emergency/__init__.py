"""The out-of-hours path (policy 8.3-8.6): emergency posts, word bank templates, machine translation, review."""
