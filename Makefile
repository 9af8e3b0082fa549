# Intake. The two commands: `make run` starts Intake locally; `make test` runs every test.
.DEFAULT_GOAL := help
SHELL := /bin/bash
GO ?= go
ADDR ?= 127.0.0.1:3000
DATA ?= ./.intake

.PHONY: help run test vet lint bench build clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 28

run: ## start Intake locally (embedded store, outbox, scheduler) on $(ADDR), data in $(DATA)
	$(GO) run ./infra/local -addr $(ADDR) -data $(DATA) $(if $(NOW),-now $(NOW))

test: vet lint ## every test: formatting, vet, template lint, unit, conformance (moto) and Lambda binary tests
	$(GO) test -race -count=1 ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

lint: ## check template.yaml with cfn-lint (when installed)
	@if command -v cfn-lint >/dev/null 2>&1; then cfn-lint template.yaml && echo "cfn-lint: template.yaml is clean"; \
	  else echo "cfn-lint is not installed: template.yaml not linted (pip install cfn-lint)"; fi

bench: ## benchmarks: print the speed and memory figures
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean: ## remove build output and local data
	rm -rf bin .aws-sam $(DATA)
