"""Sync with the national membership system: change log, feed, snapshot, inbound batches."""
