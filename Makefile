# Set-up and main jobs. Everything installs into .venv/ with the pins in constraints.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[all,test]"
	touch $(STAMP)

demo: install
	$(VENV)/bin/ppladapt sample examples/eight_schools.py --backend numpyro --chains 4 --draws 1000 --tune 1000

test: install
	$(PY) -m pytest -n 2 --dist loadgroup

test-fast: install
	$(PY) -m pytest -n 2 --dist loadgroup -m "not slow"

bench: install
	$(PY) benchmarks/trace_codegen.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
