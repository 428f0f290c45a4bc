"""Course maintenance, for instructors: the exercise stubs, the students' copy, the
solutions' release and the Gradescope autograder. Each works on a course folder given
as an argument (``lesson stubs --course DIR``...), never on a path of its own."""
