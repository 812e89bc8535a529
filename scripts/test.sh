#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it. Installs what is missing
# (Debian packages for the real-server tests, staticcheck), then checks
# formatting, vet and staticcheck, runs every test (real nginx and Apache
# included), and runs the demo against the built-in lab.
#
#   scripts/test.sh           everything
#   scripts/test.sh -short    skip real servers (the fast edit loop)
set -euo pipefail
cd "$(dirname "$0")/.."

short=""
if [ "${1:-}" = "-short" ]; then short="-short"; fi

step() { printf '\n== %s\n' "$*"; }

if [ -z "$short" ]; then
	step "installing test dependencies"
	scripts/install-deps.sh
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
STATICCHECK_VERSION=v0.7.0  # staticcheck 2026.1, the first release for Go 1.26
if ! go run "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}" ./...; then
	echo "staticcheck failed"; exit 1
fi

step "go test ${short}"
# CI=true turns a missing real server into a failure instead of a skip.
go test ${short} -count=1 -timeout 20m ./...

step "why401 demo"
go run ./cmd/why401 demo
