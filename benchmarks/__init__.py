"""Timing and memory measurements of the course (not tests): ``make bench``."""
