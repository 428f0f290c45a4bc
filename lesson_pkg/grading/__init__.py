"""The autograder: sandboxed runner, graders, reports and the command line."""
