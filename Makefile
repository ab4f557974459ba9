# FairCorridor: `make run` serves the demo, `make test` runs the whole suite.
VENV     ?= .venv
PYTHON   ?= python3
PY       := $(VENV)/bin/python
FLASK    := $(VENV)/bin/flask --app app
PG_URL   ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run serve test test-sqlite test-postgres install install-test system-tools chromium db demo messages clean

# Dependencies are declared in setup.cfg and pinned in requirements/constraints.txt.
$(VENV)/.installed: setup.cfg requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e . -c requirements/constraints.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[test]" -c requirements/constraints.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# System tools from Debian's packages: Chromium for the browser tests (no test tool ever
# downloads a browser), espeak-ng and ffmpeg for the spoken job summaries, and Noto fonts
# so that pages in Devanagari, Bengali and Arabic script render (and are measured) with
# real glyphs, as on the workers' phones.
SYSTEM_TOOLS := chromium espeak-ng ffmpeg
system-tools:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	fc-list :lang=ne 2>/dev/null | grep -q . || missing="$$missing fonts-noto-core"; \
	if [ -n "$$missing" ]; then apt-get update -q && apt-get install -y -q $$missing; fi
chromium: system-tools

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) seed demo

run: system-tools demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# The same database served as in production: gunicorn with gunicorn.conf.py (its settings
# come from GUNICORN_* variables), on http://127.0.0.1:8000.
serve: system-tools demo
	$(VENV)/bin/gunicorn -c gunicorn.conf.py

test: install-test system-tools
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: install-test
	$(PY) -m pytest

test-postgres: install-test
	TEST_DATABASE_URL=$(PG_URL) $(PY) -m pytest

# Catalogues are compiled here and the .mo files committed: the app serves them as they are.
messages: install
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot app vetting matching grievance seed
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations
	$(VENV)/bin/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
