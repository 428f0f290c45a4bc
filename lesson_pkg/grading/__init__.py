"""The autograder, in three rooms whose imports point one way only.

- :mod:`~lesson_pkg.grading.runner`: running untrusted code under the operating
  system's isolation, returning plain data;
- :mod:`~lesson_pkg.grading.core`: the cases, the classic mistakes, comparison with the
  reference, and results as data;
- :mod:`~lesson_pkg.grading.front`: ``grade_folder``, class grading, hidden tests and
  the command line.

Course maintenance (the exercise stubs, the student copy, the Gradescope zip) lives in
:mod:`lesson_pkg.maintenance`.
"""
