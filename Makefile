# Ledgvero developer commands. `make run` and `make test` install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BIN          := bin/ledgvero
VERSION      := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PGPORT       ?= 5433
LOCAL_DB_URL := postgres://postgres@127.0.0.1:$(PGPORT)/ledgvero?sslmode=disable
ADMIN_DB_URL := postgres://postgres@127.0.0.1:$(PGPORT)/postgres?sslmode=disable
STATICCHECK  := .bin/staticcheck
STATICCHECK_VERSION := v0.8.2

# With DATABASE_URL set in the environment, `make run` uses that database and does
# not start the private cluster.
ifeq ($(origin DATABASE_URL),environment)
RUN_DB_URL   := $(DATABASE_URL)
START_DB     :=
else
RUN_DB_URL   := $(LOCAL_DB_URL)
START_DB     := db-start
endif
export LEDGVERO_ADDR ?= 127.0.0.1:8080
export LEDGVERO_BASE_URL ?= http://localhost:8080

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-12s %s\n", $$1, $$2 }'

.PHONY: build
build: ## build bin/ledgvero
	go build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/ledgvero

.PHONY: run
run: $(START_DB) mail-start build ## start PostgreSQL and Mailpit, migrate, seed and serve http://localhost:8080 (SAMPLE=ibm adds IBM's AR sample)
	@export DATABASE_URL='$(RUN_DB_URL)'; set -e; \
	$(BIN) migrate >/dev/null; \
	echo; $(BIN) seed; echo; \
	if [ "$(SAMPLE)" = ibm ]; then $(BIN) import --preset ibm-ar billing/importer/testdata/ibm-ar.csv; echo; fi; \
	echo "Back office:   $$LEDGVERO_BASE_URL/backoffice/login"; \
	echo "Demo debtor:   $$($(BIN) magic-link --email ap@northwind.example)"; \
	echo "Mail catcher:  http://127.0.0.1:8025/view/latest.html (text part: /view/latest.txt)"; \
	echo "Press Ctrl-C to stop the server; \`make db-stop\` stops PostgreSQL and Mailpit."; echo; \
	exec $(BIN) serve

.PHONY: db-start
db-start: ## start the private PostgreSQL under .data/
	@.ci/devpg.sh start >/dev/null

.PHONY: db-stop
db-stop: ## stop the private PostgreSQL and Mailpit
	@.ci/devpg.sh stop
	@.ci/devsvc.sh stop

.PHONY: mail-start
mail-start:
	@.ci/devsvc.sh start

.PHONY: clean-data
clean-data: db-stop ## stop the services and delete .data/ (database and logs)
	rm -rf .data/pg/* .data
	@echo "removed .data/"

.PHONY: test
test: lint test-go test-e2e ## every check: format, vet, staticcheck, unit, integration, browser journeys

.PHONY: lint
lint: $(STATICCHECK)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	go vet -tags e2e ./e2e
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(CURDIR)/.bin go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: test-go
test-go: db-start ## unit and integration tests against the private PostgreSQL and stripe-mock
	@eval "export $$(.ci/stripe-mock.sh start)"; \
	TEST_DATABASE_URL='$(ADMIN_DB_URL)' go test -count=1 ./...

.PHONY: bench
bench: db-start mail-start ## benchmarks against the private PostgreSQL: 1M-invoice book, e-mail delivery (also into Mailpit), statement page vs bare handler (takes minutes)
	TEST_DATABASE_URL='$(ADMIN_DB_URL)' BENCH_SMTP_URL=smtp://127.0.0.1:1025 go test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...
# Pay-form throughput (attempts/s) needs thousands of submissions, not one.
	TEST_DATABASE_URL='$(ADMIN_DB_URL)' go test -run '^$$' -bench PayAttempt -benchtime 3s ./portal ./cmd/ledgvero

.PHONY: test-e2e
test-e2e: db-start mail-start ## browser journeys in headless Chromium (Mailpit receives their e-mail)
	@eval "export $$(.ci/e2e-setup.sh)"; \
	TEST_DATABASE_URL='$(ADMIN_DB_URL)' go test -count=1 -tags e2e -timeout 10m ./e2e
