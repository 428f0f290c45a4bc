"""Running untrusted code: the worker host, its isolation, and the plain data it returns.

Depends on nothing else in ``lesson_pkg.grading``: it knows functions and plain data,
not cases, points or reports.
"""
