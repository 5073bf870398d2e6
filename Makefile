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
	# Make the package importable from anywhere (benchmarks, bot.py) without a build step.
	$(BIN)/python -c 'import site,sys; open(site.getsitepackages()[0]+"/alertbot-src.pth","w").write(sys.argv[1])' "$(CURDIR)"
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
	$(BIN)/python benchmarks/polling.py
	$(BIN)/python benchmarks/relevance.py
	$(BIN)/python benchmarks/latest.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
