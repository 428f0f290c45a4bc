"""Maintenance scripts of the course (not part of lesson_pkg)."""
