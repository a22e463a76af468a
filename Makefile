# The course's two commands: `make lab` (learn) and `make test` (check everything).
# Both build the virtual environment in .venv from nothing when it is missing.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

# A folder that already holds the example images (CI's ../shared/images): no download needed.
SHARED_IMAGES := $(abspath ../shared/images)
NST_IMAGES ?= $(if $(wildcard $(SHARED_IMAGES)/*.jpg),$(SHARED_IMAGES),)
export NST_IMAGES

.PHONY: help venv lab test unit browser notebooks site clean-notebooks check-notebooks figures gallery bench \
	lint format clean chromium

help:
	@echo "make lab        set up .venv and open JupyterLab on notebooks/"
	@echo "make test       set up .venv and run every test (unit, notebooks in quick mode, browser)"
	@echo "make browser    only the real-browser test of the interactive panel (headless Chromium)"
	@echo "make figures    render the paper's figures into images/figures (see README)"
	@echo "make gallery    render the README gallery into images/gallery (about 10 minutes)"
	@echo "make notebooks  execute every notebook into rendered/ (NST_MODE=quick|lab|full, default full)"
	@echo "make site       execute every notebook and solution (NST_MODE, default lab) and build the"
	@echo "                rendered course in rendered/site (PUBLIC=1: the edition that may be published)"
	@echo "make clean-notebooks  strip outputs and metadata from the notebooks (before a commit)"
	@echo "make check-notebooks  fail if a notebook is not committed clean"
	@echo "make bench      run the speed and memory benchmarks"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[notebooks,test,video,site]'
	$(PY) -m ipykernel install --user --name nst-course --display-name "Python 3 (nst-course)" >/dev/null
	touch $@

venv: $(VENV)/.installed

# Root (a container) needs --allow-root; LAB_ARGS passes more, e.g. LAB_ARGS=--no-browser.
LAB_ARGS ?=
lab: venv
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Debian's Chromium for the real-browser widget test; Playwright never downloads a browser here.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
		|| echo "note: could not install chromium: the browser test will be skipped"; \
	else \
		echo "note: chromium is missing and this is not root: the browser test will be skipped" \
		     "(sudo apt-get install chromium to enable it)"; \
	fi

lint: venv check-notebooks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check helpers tests benchmarks tools

# The tests pick their own sizes: quick mode, whatever NST_MODE the shell has (a class sets lab).
test: venv chromium lint
	NST_MODE=quick $(PY) -m pytest

unit: venv
	$(PY) -m pytest -m "not notebooks and not browser and not site"

# JupyterLab in headless Chromium: runs notebook 08, moves the alpha/beta slider, clicks Run.
browser: venv chromium
	NST_MODE=quick $(PY) -m pytest -m browser

# NST_MODE=lab make notebooks: the class's sizes; it prints each notebook's minutes.
notebooks: venv
	$(PY) tools/notebooks.py execute --out rendered $(if $(NST_MODE),--mode $(NST_MODE))

# The rendered course (README, "Reading the course without running it"): every notebook and its
# solutions executed into rendered/, then the static site in rendered/site/ (tools/site_build.py).
# Lab mode by default: the pictures a class sees. PUBLIC=1 leaves out what may not be published.
SITE_MODE = $(or $(NST_MODE),lab)
site: venv
	$(PY) tools/notebooks.py execute --solutions --out rendered --mode $(SITE_MODE)
	$(PY) -m tools.site_build --rendered rendered --mode $(SITE_MODE) $(if $(filter 1,$(PUBLIC)),--public)

# nbstripout (tools/notebooks.py says which options, and what the course adds to it).
clean-notebooks: venv
	$(PY) tools/notebooks.py clean

check-notebooks: venv
	$(PY) tools/notebooks.py check

figures: venv
	$(PY) -m helpers figures --figure all -o images/figures

gallery: venv
	$(PY) -m helpers figures --gallery -o images/gallery

bench: venv
	$(PY) -m benchmarks.run

format: venv
	$(BIN)/ruff format helpers tests benchmarks tools

clean:
	rm -rf $(VENV) rendered .pytest_cache .ruff_cache *.egg-info
