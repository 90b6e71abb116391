"""The chaos run: the pipeline under a seeded fault schedule, verified exactly-once from its outputs."""
