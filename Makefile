# The two commands of the README. Both set up what they need and are safe to re-run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test setup lint record eval clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[local,test]'
	touch $(STAMP)

setup: $(STAMP)

## Run the main job end to end on embedded defaults (local model, SQLite, no API key).
demo: setup
	$(VENV)/bin/triage demo

## Run the test suite (starts one embedded model server for the live tests and reuses it).
test: setup
	bash scripts/test-deps.sh
	$(PY) -m pytest --record-mode=none

lint: setup
	$(VENV)/bin/ruff check triage tests benchmarks
	$(VENV)/bin/ruff format --check triage tests benchmarks
	$(VENV)/bin/mypy triage

## Re-record the LLM cassettes from the live embedded model.
record: setup
	$(PY) -m pytest tests/test_extraction_cassettes.py --record-mode=rewrite

clean:
	rm -rf $(VENV) *.db sp4n_outbox.jsonl
