# The README's two commands (demo, test) plus lint/format. Every install step lives here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

DEMO_DIR     ?= demo
DEMO_SELLERS ?= 20000
DEMO_RINGS   ?= 60

.PHONY: venv demo test lint format clean browser neo4j-jars neo4j-up neo4j-down messages

# (Re)create the virtual environment when pyproject.toml changes; pip's wheel cache makes refreshes fast.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/workbench demo --dir $(DEMO_DIR) --sellers $(DEMO_SELLERS) --rings $(DEMO_RINGS)

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser), and
# a CJK font so the Chinese interface is drawn in characters, as on a reader's own machine
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-wqy-microhei; }

# The local Neo4j (tools/neo4j): server, APOC and GDS jars from Maven Central, cached in ~/.m2
NEO4J_JARS := tools/neo4j/lib/.fetched
$(NEO4J_JARS): tools/neo4j/pom.xml
	cd tools/neo4j && mvn -q -B dependency:copy-dependencies dependency:copy-dependencies@plugins
	@touch $(NEO4J_JARS)

neo4j-jars: $(NEO4J_JARS)

# A Neo4j on bolt://127.0.0.1:7687: docker compose where a Docker engine runs, else the local server
neo4j-up: $(STAMP)
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
		docker compose up -d --wait neo4j; \
	else \
		$(MAKE) --no-print-directory neo4j-jars && $(PY) -m workbench.store.local_neo4j up; \
	fi

neo4j-down:
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
		docker compose stop neo4j; \
	else \
		$(PY) -m workbench.store.local_neo4j down; \
	fi

# pytest starts its own local Neo4j (fresh data folder, free port) unless NEO4J_URI is set
test: $(STAMP) browser $(NEO4J_JARS)
	$(VENV)/bin/ruff check .
	# two workers, each test file whole on one (its module fixtures built once): 15 min instead of 27
	$(PY) -m pytest -n 2 --dist loadfile

# the interface's texts into the message catalogues (workbench/locale/*/LC_MESSAGES/workbench.po);
# translate the new entries, then `make test` checks none is left
messages: $(STAMP)
	$(PY) tools/messages.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .ruff_cache .neo4j tools/neo4j/lib tools/neo4j/plugins
