"""Load tests against the running pipeline: variant generation, measurement, reports."""
