# The two commands of the README. Everything a fresh machine needs is installed from here.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: site test check serve edit bench screenshots clean

## make site: install the project into .venv and build site/ from the bundled content
site: $(VENV)/.installed
	bash tools/install-npm.sh
	$(PY) -m builder build

## make test: install what the tests need (Chromium, npm tools) and run the whole suite
test: $(VENV)/.installed-test
	bash tools/install-test-deps.sh
	$(PY) -m pytest

check: $(VENV)/.installed
	$(PY) -m builder check

serve: $(VENV)/.installed
	$(PY) -m builder serve

## make edit: the browser editor at /admin/ against this checkout (decap-server + preview), no GitHub
edit: $(VENV)/.installed
	bash tools/install-npm.sh
	bash tools/edit.sh

## make bench: build speed next to Hugo (Debian's package, installed here only) and the blog plugin
bench: $(VENV)/.installed-test
	command -v hugo >/dev/null || $(SUDO) apt-get install -y hugo || { $(SUDO) apt-get update && $(SUDO) apt-get install -y hugo; }
	$(PY) -m benchmarks $(BENCH_ARGS)

## make screenshots: build the site, then PNGs of every page type at 390 and 1280 px, light and dark, in screenshots/
screenshots: $(VENV)/.installed-test
	$(PY) -m builder build
	$(PY) tools/screenshots.py --full

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf site .cache
