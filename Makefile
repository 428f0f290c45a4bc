# The course's entry points. Every target creates .venv and installs the pinned
# packages on first use; the stamp file makes later runs skip the install until
# pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: install lab test lint bench grade grade-class exercises notebooks student-release release-solutions gradescope grader-archive html mutation

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[course,grading,test,docs]'
	@touch $@

## lab: set everything up and open the first lesson in JupyterLab; prints its URL (ARGS="--no-browser --port 8899" passes options through)
lab: $(STAMP)
	$(BIN)/lesson lab $(ARGS)

## test: set everything up and run the whole test suite (lint included)
test: $(STAMP) lint
	$(BIN)/python -m pytest $(ARGS)

## lint: ruff's rules and formatting, mypy's type check of lesson_pkg (as Python 3.10), and
## vermin's proof that the package, solutions and tools need no Python newer than 3.10
## (Gradescope's default image); `--exclude long`: torch.long is no Python 2 `long`
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy lesson_pkg
	$(BIN)/vermin --no-tips --violations --exclude long -t=3.10- lesson_pkg solutions tools

## mutation: the graders' strength: mutmut alters solutions/, the graders must fail each change (about 3 minutes)
mutation: $(STAMP)
	rm -rf mutants
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children 2
	$(BIN)/python tests/mutation/score.py

## bench: the timing and memory measurements in benchmarks/ (not tests)
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(ARGS)

## grade: grade exercises/ (ARGS="--target DIR --json results.json --hidden DIR")
grade: $(STAMP)
	$(BIN)/lesson grade $(ARGS)

## exercises: (instructors) regenerate exercises/ from solutions/; refuses to overwrite edited stubs (ARGS=--force replaces them)
exercises: $(STAMP)
	$(BIN)/lesson stubs $(ARGS)

## notebooks: re-execute every notebook in place (their stored outputs are what nbval checks)
notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py

## grade-class: grade a class, always isolated (ARGS="SUBMISSIONS --out RESULTS [--hidden DIR] [--roster CSV] [--deadline ISO-8601 --late-penalty 10%/day]"): gradebooks, Canvas/Moodle files, a similarity report
grade-class: $(STAMP)
	$(BIN)/lesson grade-class $(ARGS)

## student-release: the course without solutions, in dist/student (the students' template)
student-release: $(STAMP)
	$(BIN)/lesson student-release --out dist/student

## release-solutions: the solutions alone, in dist/solutions, to publish after the deadline
release-solutions: $(STAMP)
	$(BIN)/lesson release-solutions --out dist/solutions

## gradescope: the autograder zip, dist/autograder.zip (ARGS="--hidden DIR" adds hidden tests)
gradescope: $(STAMP)
	$(BIN)/lesson gradescope --out dist/autograder.zip $(ARGS)

## grader-archive: the grader for the GitHub Actions workflow, dist/grader.tar.gz (no answers)
grader-archive: $(STAMP)
	$(BIN)/lesson grader-archive --out dist/grader.tar.gz

## html: the course site in dist/html (Sphinx + myst-nb from the stored outputs, offline; docs/conf.py sets the launch links)
html: $(STAMP)
	$(BIN)/python -m sphinx -q -W -b html docs dist/html
