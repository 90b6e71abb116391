"""The short chaos run: own broker and workers under faults, verified exactly-once."""
