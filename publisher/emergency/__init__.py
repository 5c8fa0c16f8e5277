"""The out-of-hours path (policy 8.3-8.6; docs/emergency.md): emergency posts, machine translation, review.

A leaf of the package graph: the front-ends call it, nothing below imports it.
"""
