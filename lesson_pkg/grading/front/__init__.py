"""The front door: grade a folder, a class, or run an instructor's hidden tests.

:func:`~lesson_pkg.grading.front.folder.grade_folder` is the one way a submission is
graded; the command line, class grading and the pytest plugin for hidden tests are
built around it.
"""
