"""Reports for the comms team and the Welsh Language Commissioner: cadence, compliance, calendar."""
