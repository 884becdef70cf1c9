# The two commands in the README: `make serve` and `make test`. Everything they need is installed here.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install serve test lint browser eval bench clean

install: $(VENV)/.installed

# torch first, pinned, so that nothing pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

serve: install
	$(BIN)/policyqa serve

# Headless Chromium for the browser tests, from Debian's package, with fonts that draw Chinese and emoji.
browser:
	@(command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK") || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null)

lint: install
	$(BIN)/ruff check .

test: install browser lint
	$(BIN)/pytest -q
	$(BIN)/policyqa eval --split test --gate --report test-artifacts/eval-report

eval: install
	$(BIN)/policyqa eval --split test --tradeoff --report eval/report

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
