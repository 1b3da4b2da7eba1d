#!/usr/bin/env bash
# Builds everything (warnings are errors, formatting verified) and runs every test.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build Warden.slnx -c Release
dotnet format Warden.slnx --verify-no-changes --no-restore
log=$(mktemp)
set +e
dotnet test Warden.slnx -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line ("N passed, N failed") summing every test project.
sum() { grep -Eo "$1: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}'; }
echo "$(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
rm -f "$log"
exit "$status"
