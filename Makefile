# Set-up and main jobs. Everything installs into .venv/ with the pins in constraints.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast test-long test-posteriordb bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[all,test]"
	touch $(STAMP)

# The main job: eight schools on every installed backend, table printed, report in report/.
demo: install
	$(VENV)/bin/ppladapt compare examples/eight_schools.py --seed 1 --out report

test: install
	$(PY) -m pytest -n 2 --dist loadgroup --durations=25

test-fast: install
	$(PY) -m pytest -n 2 --dist loadgroup -m "not slow"

# make test plus the long runs it skips (Pyro's NUTS on the larger models: about 40 more minutes).
test-long: install
	PPLADAPT_TEST_LONG=1 $(PY) -m pytest -n 2 --dist loadgroup

# Every posteriordb posterior on every installed backend (PPLADAPT_TEST_BACKENDS=numpyro to
# restrict); records go to docs/posteriordb.json and the table to docs/posteriordb.md.
test-posteriordb: install
	PPLADAPT_POSTERIORDB=1 PPLADAPT_POSTERIORDB_RESULTS=docs/posteriordb.json \
		$(PY) -m pytest tests/test_posteriordb.py; \
		status=$$?; $(PY) -m tests.posteriordb.report --render-only; exit $$status

# ppladapt against hand-written native code (benchmarks/README.md); Pyro's NUTS is ~100x
# slower per draw, so by default it is left out: BENCH_ARGS="--backends pyro --examples linear".
BENCH_ARGS ?= --backends numpyro pymc stan
bench: install
	$(PY) benchmarks/run.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
