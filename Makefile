# The course's entry points. Every target creates .venv and installs the pinned
# packages on first use; the stamp file makes later runs skip the install until
# pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: install lab test lint bench grade grade-class exercises notebooks student-release gradescope html

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[course,test]'
	@touch $@

# JupyterLab refuses to run as root (containers, CI) unless told it may
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

## lab: set everything up and open the course in JupyterLab (ARGS="--no-browser --port 8899" passes options through)
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" notebooks/00_start_here.ipynb $(ROOT_FLAG) $(ARGS)

## test: set everything up and run the whole test suite (lint included)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## bench: the timing and memory measurements in benchmarks/ (not tests)
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(ARGS)

## grade: grade exercises/ (ARGS="--target DIR --json results.json --hidden DIR")
grade: $(STAMP)
	$(BIN)/python -m lesson_pkg.grade $(ARGS)

## exercises: regenerate the stubs in exercises/ from solutions/
exercises: $(STAMP)
	$(BIN)/python -m lesson_pkg.grading.stubs

## notebooks: re-execute every notebook in place (their stored outputs are what nbval checks)
notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py

## grade-class: grade a class (ARGS="--class SUBMISSIONS --out RESULTS [--hidden DIR]")
grade-class: $(STAMP)
	$(BIN)/python -m lesson_pkg.grade $(ARGS)

## student-release: the course without solutions, in dist/student (the students' template)
student-release: $(STAMP)
	$(BIN)/python -m lesson_pkg.grading.release student --out dist/student

## gradescope: the autograder zip, dist/autograder.zip (ARGS="--hidden DIR" adds hidden tests)
gradescope: $(STAMP)
	$(BIN)/python -m lesson_pkg.grading.release gradescope --out dist/autograder.zip $(ARGS)

## html: the executed course as a static site in dist/html (index.html in course order)
html: $(STAMP)
	$(BIN)/python tools/build_html.py dist/html
