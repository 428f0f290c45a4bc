"""Course maintenance, for instructors.

The exercise stubs, the students' copy, the solutions' release and the graders for
Gradescope and GitHub Actions. Each works on a course folder given
as an argument (``lesson stubs --course DIR``...), never on a path of its own.
"""
