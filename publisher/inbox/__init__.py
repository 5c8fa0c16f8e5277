"""The replies inbox: Standard 59 and policy sections 11-12 (docs/inbox.md).

Collects the replies, comments and mentions addressed to the configured
accounts, classifies their language with the detector ``check`` uses, clocks
them in working days, and answers them through the exactly-once queue: a
Welsh message gets a Welsh answer, a mixed or unclear one a bilingual
answer, Welsh first. Offensive comments are hidden where the platform
allows, with the removal notice on request, and the Communications Team is
told. Messages are personal data: kept for ``keep_for``, exported on a
subject access request.
"""
