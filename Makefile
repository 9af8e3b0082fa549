# Intake. The two commands: `make run` starts Intake locally; `make test` runs every test.
.DEFAULT_GOAL := help
SHELL := /bin/bash
GO ?= go
ADDR ?= 127.0.0.1:3000
SMTP ?= 127.0.0.1:2525
DATA ?= ./.intake
# A monitoring tool's signing secret for trying POST /v1/social locally (README.md); never a real one.
SOCIAL_SECRETS ?= local-monitor=local-monitor-secret-0123456789abcdef
# Officer API tokens for trying the API locally (README): token=staff address; never real ones.
API_TOKENS ?= planning-officer-token=planning@example.gov.uk,complaints-team-token=complaints@example.gov.uk
# staticcheck 2026.2.2 (module v0.8.2): the latest release on the module proxy, and one that knows go 1.26.
STATICCHECK_VERSION := v0.8.2

.PHONY: help run test vet lint bench build clean chromium axe soak

help: ## list the targets
	@grep -hE '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 28

run: ## start Intake locally (embedded store, outbox, scheduler, SMTP on $(SMTP)) on $(ADDR), data in $(DATA)
	$(GO) run ./infra/local -addr $(ADDR) -data $(DATA) -smtp $(SMTP) -social-secrets '$(SOCIAL_SECRETS)' -api-tokens '$(API_TOKENS)' $(if $(NOW),-now $(NOW))

test: vet lint axe ## every test: formatting, vet, template lint, unit, conformance (moto) and Lambda binary tests
	$(GO) test -race -count=1 ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

lint: ## staticcheck the Go code; check template.yaml with cfn-lint (when installed)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	@if command -v cfn-lint >/dev/null 2>&1; then cfn-lint template.yaml && echo "cfn-lint: template.yaml is clean"; \
	  else echo "cfn-lint is not installed: template.yaml not linted (pip install cfn-lint)"; fi

axe: ## install axe-core (package-lock.json) for the console's accessibility tests, when missing
	@if [ -f node_modules/axe-core/axe.min.js ]; then :; \
	  elif command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund; \
	  else echo "npm is not installed: the console's accessibility tests will be skipped (install Node.js and npm)"; fi

chromium: ## install Debian's Chromium for the form's browser tests (needs root)
	bash .ci/install-chromium

bench: build ## benchmarks: Go benchmarks (DynamoDB calls and units per web complaint, counted through moto, among them), the local runner under load beside the bbolt ceiling, each function's init beside hello world's, binary sizes (a few minutes)
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./infra/local/loadtest $(BENCH_FLAGS)
	$(GO) run ./internal/lambdatest/cmd/initbench $(INITBENCH_FLAGS)
	@echo "linux/arm64 binary sizes (target: 15 MiB each):"
	@for fn in $(FUNCTIONS); do \
	  awk -v fn=$$fn -v b=$$(stat -c %s bin/$$fn/bootstrap) 'BEGIN { printf "  %-10s %5.1f MiB\n", fn, b / 1048576 }'; \
	done

# The soak, on two paths, each ending with one line (soak: deliveries=... lost=0 ...):
#  - local: every entry point of the local runner, each delivery repeated, the runner killed
#    with SIGKILL now and then, and a share of its port calls failing (INTAKE_FAULTS);
#  - aws: the built functions on moto as template.yaml wires them, behind a proxy that fails a
#    share of their requests to AWS and now and then kills one mid-invocation
#    (functions/soak_test.go).
# Then the audit. SOAK_PATHS=local runs one path alone.
SOAK_DELIVERIES ?= 2000
SOAK_FAULTS ?= 20%
SOAK_SEED ?= 1
SOAK_PATHS ?= local aws

soak: ## every channel redelivered, killed and failing, then the audit: SOAK_DELIVERIES=2000 SOAK_FAULTS=20% SOAK_SEED=1 SOAK_PATHS="local aws"
	@set -e; for p in $(SOAK_PATHS); do \
	  echo "== soak, $$p path: $(SOAK_DELIVERIES) deliveries, $(SOAK_FAULTS) faults, seed $(SOAK_SEED)"; \
	  case $$p in \
	    local) $(GO) run ./infra/local/soak -deliveries $(SOAK_DELIVERIES) -faults '$(SOAK_FAULTS)' -seed $(SOAK_SEED) $(SOAK_FLAGS) ;; \
	    aws) $(GO) test ./functions -run '^TestSoak_AWS$$' -count=1 -timeout 0 -v -args -soak.deliveries $(SOAK_DELIVERIES) -soak.faults '$(SOAK_FAULTS)' -soak.seed $(SOAK_SEED) ;; \
	    *) echo "SOAK_PATHS: $$p is not a path; the paths are local and aws"; exit 2 ;; \
	  esac; \
	done

# ---- build: Lambda binaries, and the functions run locally against events/ -----------------
# Every function is functions/<dir>/main.go, built as Lambda's provided.al2023 runtime on arm64
# wants it: a static binary named bootstrap. `sam build` runs build-<LogicalId> (template.yaml's
# BuildMethod: makefile) with ARTIFACTS_DIR set; `make build` puts them all under bin/.
FUNCTIONS := webform notifier reminders email officer social importer
LAMBDA_GO_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'
NEED_ARTIFACTS_DIR = @test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: build-<LogicalId> is for sam build; use make build" >&2; exit 1; }
INVOKE = $(GO) run ./internal/lambdatest/cmd/invoke
comma := ,

.PHONY: build-WebFormFunction build-NotifierFunction build-RemindersFunction build-EmailFunction build-OfficerFunction build-SocialFunction build-ImportFunction
.PHONY: invoke-webform invoke-notifier invoke-reminders invoke-email invoke-officer invoke-social invoke-importer

build: ## cross-compile every function to bin/<dir>/bootstrap (linux/arm64)
	@for fn in $(FUNCTIONS); do \
	  echo "$(LAMBDA_GO_BUILD) -o bin/$$fn/bootstrap ./functions/$$fn"; \
	  $(LAMBDA_GO_BUILD) -o bin/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

build-WebFormFunction:
	$(NEED_ARTIFACTS_DIR)
	$(LAMBDA_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/webform

build-NotifierFunction:
	$(NEED_ARTIFACTS_DIR)
	$(LAMBDA_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/notifier

build-RemindersFunction:
	$(NEED_ARTIFACTS_DIR)
	$(LAMBDA_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/reminders

build-EmailFunction:
	$(NEED_ARTIFACTS_DIR)
	$(LAMBDA_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/email

build-OfficerFunction:
	$(NEED_ARTIFACTS_DIR)
	$(LAMBDA_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/officer

build-SocialFunction:
	$(NEED_ARTIFACTS_DIR)
	$(LAMBDA_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/social

build-ImportFunction:
	$(NEED_ARTIFACTS_DIR)
	$(LAMBDA_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/importer

# The invoke targets build the function for this machine and hand it one event through a local
# Lambda Runtime API (what `sam local invoke` does, without Docker). The function sees this
# shell's INTAKE_* and AWS_* variables: point AWS_ENDPOINT_URL at moto_server to give it AWS.
invoke-webform: ## run the web form function on an event: EVENT=events/webform-post-json.json (default)
	$(INVOKE) -fn webform -event $(or $(EVENT),events/webform-post-json.json)

invoke-notifier: ## run the notifier on a stream event: EVENT=events/notifier-insert.json (default)
	$(INVOKE) -fn notifier -event $(or $(EVENT),events/notifier-insert.json)

invoke-reminders: ## run the reminders function: EVENT=events/reminders-due.json (default) or events/reminders-sweep.json
	$(INVOKE) -fn reminders -event $(or $(EVENT),events/reminders-due.json)

invoke-email: ## run the email function on an S3 event: EVENT=events/email-s3.json (default)
	$(INVOKE) -fn email -event $(or $(EVENT),events/email-s3.json)

invoke-importer: ## run the importer on an S3 event of an uploaded import file: EVENT=events/importer-s3.json (default)
	$(INVOKE) -fn importer -event $(or $(EVENT),events/importer-s3.json)

invoke-officer: ## run the officer function: EVENT=events/officer-list-cases.json (default, a JWT-authorised API call) or events/officer-sign-in-form.json
	$(INVOKE) -fn officer -event $(or $(EVENT),events/officer-list-cases.json)

# A signed request is only good for five minutes, so the sample is signed afresh (as its
# X-Intake-Monitor, with the first secret of SOCIAL_SECRETS) and the function given that secret.
invoke-social: ## run the social function on a signed HTTP event: EVENT=events/social-post.json (default)
	$(INVOKE) -fn social -event $(or $(EVENT),events/social-post.json) -sign-social '$(firstword $(subst $(comma), ,$(SOCIAL_SECRETS)))' -env 'INTAKE_SOCIAL_SECRETS=$(SOCIAL_SECRETS)'

clean: ## remove build output and local data
	rm -rf bin .aws-sam $(DATA)
