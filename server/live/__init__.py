"""Live sync: the per-meeting event log, snapshots, websockets and channels."""
