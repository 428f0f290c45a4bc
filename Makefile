# The course's entry points. Each target creates .venv and installs what it needs on first
# use: `make lab` the course alone (a learner's install), `make test` and `make html` add
# their tools. One stamp file per part makes later runs skip the install until
# pyproject.toml changes. pip shows its progress: the first run downloads a few hundred MB
# (torch's CPU wheel alone is 0.19 GB).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
COURSE := $(VENV)/.installed-course
TOOLS := $(VENV)/.installed-tools
DOCS := $(VENV)/.installed-docs
PIP := $(BIN)/python -m pip install --disable-pip-version-check
ARGS ?=

.PHONY: install lab test lint bench grade grade-class exercises notebooks student-release release-solutions gradescope grader-archive html html-instructors mutation

## install: everything (the course, the test and the site's tools), for developers
install: $(TOOLS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first: its CPU build on Linux without an NVIDIA GPU (tools/install_torch.py).
# --no-compile: pip writes no bytecode for the whole install (about 0.25 GB); Python
# compiles what a lesson imports the first time it imports it (a few seconds, once).
$(COURSE): pyproject.toml | $(BIN)/python
	@echo "Installing the course into $(VENV)/ (first run only; later runs skip this)"
	$(BIN)/python tools/install_torch.py
	$(PIP) --no-compile -e '.[course]'
	@touch $@

# the tools, and bytecode for everything: the suite starts many fresh interpreters
# (kernels, grading workers), which then never parse torch's sources; as pip does, a file
# written for another Python version (torch ships some) is skipped, not an error
$(TOOLS): $(COURSE)
	$(PIP) -e '.[course,grading,test,docs]'
	$(BIN)/python -m compileall -qq -j 0 $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))') || true
	@touch $@

$(DOCS): pyproject.toml | $(BIN)/python
	$(BIN)/python tools/install_torch.py
	$(PIP) -e '.[docs]'
	@touch $@

## lab: set everything up and open the first lesson in JupyterLab; prints its URL (ARGS="--no-browser --port 8899" passes options through)
lab: $(COURSE)
	$(BIN)/lesson lab $(ARGS)

## test: set everything up and run the whole test suite (lint included); it grades fresh
## stubs, never your exercises/ (LESSON_PKG_INSTRUCTOR=1, or CI=true, adds the instructors' checks)
test: $(TOOLS) lint
	$(BIN)/python -m pytest $(ARGS)

# the course's own code: never exercises/ (a learner's work) nor a class's submissions
LINTED := lesson_pkg solutions tests tools benchmarks docs notebooks conftest.py

## lint: ruff's rules and formatting, mypy's type check of lesson_pkg (as Python 3.10), and
## vermin's proof that the package, solutions and tools need no Python newer than 3.10
## (Gradescope's default image); `--exclude long`: torch.long is no Python 2 `long`
lint: $(TOOLS)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy lesson_pkg
	$(BIN)/vermin --no-tips --violations --exclude long -t=3.10- lesson_pkg solutions tools

## mutation: the graders' strength: mutmut alters solutions/, the graders must fail each change (about 3 minutes)
mutation: $(TOOLS)
	rm -rf mutants
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children 2
	$(BIN)/python tests/mutation/score.py

## bench: the timing and memory measurements in benchmarks/ (not tests)
bench: $(TOOLS)
	$(BIN)/python -m benchmarks $(ARGS)

## grade: grade exercises/ (ARGS="--target DIR --json results.json --hidden DIR")
grade: $(COURSE)
	$(BIN)/lesson grade $(ARGS)

## exercises: (instructors) regenerate exercises/ from solutions/; refuses to overwrite edited stubs (ARGS=--force replaces them)
exercises: $(COURSE)
	$(BIN)/lesson stubs $(ARGS)

## notebooks: re-execute every notebook in place (their stored outputs are what nbval checks)
notebooks: $(TOOLS)
	$(BIN)/python tools/run_notebooks.py

## grade-class: grade a class, always isolated (ARGS="SUBMISSIONS --out RESULTS [--hidden DIR] [--roster CSV] [--deadline ISO-8601 --late-penalty 10%/day]"): gradebooks, Canvas/Moodle files, a similarity report
grade-class: $(TOOLS)
	$(BIN)/lesson grade-class $(ARGS)

## student-release: the course without solutions, in dist/student (the students' template)
student-release: $(COURSE)
	$(BIN)/lesson student-release --out dist/student

## release-solutions: the solutions alone, in dist/solutions, to publish after the deadline
release-solutions: $(COURSE)
	$(BIN)/lesson release-solutions --out dist/solutions

## gradescope: the autograder zip, dist/autograder.zip (ARGS="--hidden DIR" adds hidden tests)
gradescope: $(COURSE)
	$(BIN)/lesson gradescope --out dist/autograder.zip $(ARGS)

## grader-archive: the grader for the GitHub Actions workflow, dist/grader.tar.gz (no answers)
grader-archive: $(COURSE)
	$(BIN)/lesson grader-archive --out dist/grader.tar.gz

## html: the students' course site in dist/html (Sphinx + myst-nb from the stored outputs, offline; lesson_pkg/course.py sets the launch links)
html: $(DOCS)
	$(BIN)/python -m sphinx -q -W -b html docs dist/html

## html-instructors: the same site with the instructor guide and the design, in dist/html-instructors
html-instructors: $(DOCS)
	$(BIN)/python -m sphinx -q -W -b html -t instructors docs dist/html-instructors
