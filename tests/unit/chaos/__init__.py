"""Unit tests of the chaos run: fault schedule, verification, agreement, report."""
