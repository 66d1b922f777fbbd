#!/usr/bin/env bash
# The one command that runs every test: installs and prepares the real servers the tests start
# (mosquitto, influxdb 1.6, victoria-metrics, node-opcua), builds, runs every test project, and
# ends with one line: `Tests: N passed, N failed[, N skipped]`.
# Usage: tests/run.sh [dotnet test filter, e.g. "FullyQualifiedName~Buffer"]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
filter="${1:-}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash tests/servers/install.sh || { echo "tests/run.sh: installing the test servers failed"; echo "Tests: 0 passed, 1 failed"; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

if ! dotnet build Gateway.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "tests/run.sh: build failed"
  echo "Tests: 0 passed, 1 failed"
  exit 1
fi

status=0
for proj in $(ls tests/*/*.Tests.csproj | sort); do
  name="$(basename "$proj" .csproj)"
  echo "== $name"
  args=(test "$proj" -c Release --no-build -nologo
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal"
        --results-directory "$results" --blame-hang-timeout 10m)
  [ -n "$filter" ] && args+=(--filter "$filter")
  dotnet "${args[@]}" || status=1
done

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files+1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done
# A project whose run crashed writes no trx: count it as a failure so it cannot pass unnoticed.
projects=$(ls tests/*/*.Tests.csproj | wc -l)
if [ -z "$filter" ] && [ "$files" -lt "$projects" ]; then
  failed=$((failed + projects - files)); status=1
fi
[ "$passed" -eq 0 ] && status=1
[ "$failed" -gt 0 ] && status=1
if [ "$skipped" -gt 0 ]; then
  echo "Tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "Tests: $passed passed, $failed failed"
fi
exit $status
