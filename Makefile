# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The issuer tokens carry follows the address `make run` serves on, unless set.
export USERPOOLS_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test setup migrate seed serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

serve:
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

run: seed serve

# Two workers by default (CI's machine has two cores); PYTEST_ARGS= runs in one process.
PYTEST_ARGS ?= -n 2
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var

# The hosted pages' translations (docs/hosted-ui.md): refresh locale/*/django.po from the marked
# strings, then compile the .mo files that are committed beside them. The catalog holds only what
# pool users read: the hosted UI (not its admin parts), the default messages and the two OIDC pages;
# of identity/, only messaging.py is read (the [!m]* pattern and the four m-names after it).
MESSAGES_LOCALES := es fr de
MESSAGES_IGNORE := .venv var tests bench docs config static templates/admin cognito_api federation verifier \
	oidc/*.py identity/[!m]* identity/management identity/migrations identity/models identity/middleware.py \
	hostedui/admin.py hostedui/models.py hostedui/migrations hostedui/templates/admin
.PHONY: messages
messages: setup
	$(BIN)/python manage.py makemessages $(addprefix --locale=,$(MESSAGES_LOCALES)) \
		$(foreach pattern,$(MESSAGES_IGNORE),--ignore='$(pattern)') --add-location=file --no-obsolete --no-wrap
	$(BIN)/python manage.py compilemessages $(addprefix --locale=,$(MESSAGES_LOCALES)) --ignore=.venv

# Screenshots of the hosted pages in light and dark into docs/screenshots/ (a throwaway SQLite demo
# pool, Debian's Chromium); the page table is at the top of tests/e2e/screenshots.py. SHOTS="login signup" picks some.
.PHONY: screenshots
screenshots: setup
	$(BIN)/python -m tests.e2e.screenshots $(SHOTS)
