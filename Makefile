# Cobrand's everyday commands. `make` alone lists them.
.DEFAULT_GOAL := help
.PHONY: help run serve doctor test worker lint bench clean

# Folders that may not exist yet in a fresh clone (git keeps no empty folder).
LINT_PATHS := $(wildcard app workers tests bench)

help: ## Show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## Run the web app on this machine (embedded defaults: SQLite, local storage, inline jobs)
	scripts/run.sh

serve: ## Run the web app under gunicorn on $(HOST):$(PORT) (default 127.0.0.1:8000; see gunicorn.conf.py)
	HOST=$(or $(HOST),127.0.0.1) PORT=$(or $(PORT),8000) .venv/bin/gunicorn -c gunicorn.conf.py

doctor: ## Check every dependency and setting, one line each with its fix
	.venv/bin/flask --app wsgi doctor

test: ## Lint, then run every test against real Redis, PostgreSQL and S3 (args: make test ARGS="-k x")
	scripts/test.sh $(ARGS)

worker: ## Run an RQ worker for the render and publish queues (needs REDIS_URL)
	.venv/bin/flask --app wsgi worker

lint: ## ruff check, ruff format --check, mypy (strict on app/rendering and app/storage)
	.venv/bin/ruff check $(LINT_PATHS)
	.venv/bin/ruff format --check $(LINT_PATHS)
	.venv/bin/mypy app/rendering app/storage

bench: ## Run the benchmarks and print their figures
	.venv/bin/python bench/run.py

clean: ## Remove caches and test artifacts (keeps .venv and var/)
	rm -rf .pytest_cache .mypy_cache .ruff_cache test-artifacts bench/results
	find . -path ./.venv -prune -o -type d -name __pycache__ -exec rm -rf {} +
