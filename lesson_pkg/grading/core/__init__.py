"""What is graded and how: cases, the classic mistakes, comparison, results.

Trusted code, run in the grader's own process. Depends on the runner's plain data
types, never the other way round.
"""
