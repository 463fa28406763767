# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app
# The exact versions the tests ran with (CI installs the same): see constraints.txt.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --constraint constraints.txt

.PHONY: run test lint format check-curriculum constraints clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml setup.py constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
	touch $@ $(VENV)/.installed-run

# gunicorn, as deployed, and with no access log (its default): nothing about a pupil's
# request, their address or the check-in's path, is written anywhere. The render worker
# (packs and summaries, off the requests) runs beside it and stops with it.
run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) cmt demo
	@echo "Serving on http://127.0.0.1:$(PORT) with a render worker (Ctrl+C stops both)"
	$(FLASK) cmt worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
		CMT_LOCAL_DEVELOPMENT=true $(BIN)/gunicorn --workers 1 --threads 4 \
		--bind 127.0.0.1:$(PORT) 'cmt_schools.wsgi:app'

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-curriculum: $(VENV)/.installed-run
	$(FLASK) cmt curriculum check

# After a change of dependencies in pyproject.toml: the newest versions they allow, pinned.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[test]'
	{ grep '^#' constraints.txt; .venv-constraints/bin/python -m pip freeze --exclude-editable \
		| grep -v '^#' | sort --ignore-case --field-separator='=' --key=1,1; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
