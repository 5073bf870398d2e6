# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench clean

setup: $(STAMP)

# Re-install only when the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	# The package itself, editable: importable from anywhere (benchmarks, bot.py), no copy.
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	touch $(STAMP)

# Without a token, `make run` starts the offline demo instead (python bot.py --demo).
run: setup
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then $(BIN)/python bot.py; else $(BIN)/python bot.py --demo; fi

lint: setup
	$(BIN)/ruff check alertbot tests benchmarks bot.py
	$(BIN)/ruff format --check alertbot tests benchmarks bot.py
	$(BIN)/mypy alertbot bot.py

test: lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/matching.py
	$(BIN)/python benchmarks/fanout.py
	$(BIN)/python benchmarks/parse.py
	$(BIN)/python benchmarks/polling.py
	$(BIN)/python benchmarks/command_flood.py
	$(BIN)/python benchmarks/hostile.py
	$(BIN)/python benchmarks/relevance.py
	$(BIN)/python benchmarks/latest.py
	$(BIN)/python benchmarks/dedupe.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/sustained.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# After changing a text in the code: refresh the catalogues, then translate the new
# entries in alertbot/locales/id/LC_MESSAGES/alertbot.po (a test fails until then).
.PHONY: demo
demo: setup
	$(BIN)/python bot.py --demo

.PHONY: messages
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -o alertbot/locales/alertbot.pot --add-location=file --sort-by-file --no-wrap --project=AlertBot --copyright-holder=AlertBot --msgid-bugs-address="" .
	$(BIN)/pybabel update -i alertbot/locales/alertbot.pot -d alertbot/locales -D alertbot --no-wrap --ignore-pot-creation-date
