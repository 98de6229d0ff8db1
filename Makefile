# The two commands of the README. Everything a fresh machine needs is installed from here.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1

.PHONY: site test check serve edit bench clean

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

bench: $(VENV)/.installed-test
	$(PY) -m benchmarks

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf site .cache
