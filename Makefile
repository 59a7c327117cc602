# The two commands of the README. Both set up what they need and are safe to re-run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test setup lint record eval clean

LLAMA_VERSION := $(shell sed -n 's/^llama_cpp_python==//p' constraints.txt)

# llama-cpp-python is built by scripts/build-llama.sh (once per machine, for its CPU, without the
# AMX kernels that die here) and installed from that wheel before the rest.
$(STAMP): pyproject.toml constraints.txt scripts/build-llama.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-deps --force-reinstall \
		"$$(bash scripts/build-llama.sh $(LLAMA_VERSION) $(PY))/llama_cpp_python-$(LLAMA_VERSION)-"*.whl
	$(PY) -m pip install --quiet -c constraints.txt -e '.[local,test]'
	touch $(STAMP)

setup: $(STAMP)

## Run the main job end to end on embedded defaults (local model, SQLite, no API key).
demo: setup
	$(VENV)/bin/triage demo

## Run the test suite (starts one embedded model server for the live tests and reuses it), then
## the tests that reach the store through a fixture again on PostgreSQL.
test: setup
	bash scripts/test-deps.sh
	$(PY) -m pytest --record-mode=none
	$(PY) -m pytest --record-mode=none --store=postgresql -m "not live and not browser and not slow" -q

lint: setup
	$(VENV)/bin/ruff check triage tests benchmarks
	$(VENV)/bin/ruff format --check triage tests benchmarks
	$(VENV)/bin/mypy triage

## Re-record the LLM cassettes from the live embedded model.
record: setup
	$(PY) -m pytest tests/test_extraction_cassettes.py --record-mode=rewrite

clean:
	rm -rf $(VENV) *.db sp4n_outbox.jsonl
