#!/usr/bin/env bash
# A longer run of the property-based route suite (tests/Warden.Server.Tests/Hardening/RouteFuzzTests.cs): every public
# route driven with generated and mutated requests, asserting no 5xx, an error body in the route's protocol, and a
# server that still answers. The test suite runs it with a fixed seed and 400 cases; this runs it with a random seed
# (or the one given) and many more cases. A failure prints the CsCheck seed that reproduces it:
#   WARDEN_FUZZ_SEED=<seed> bench/fuzz-soak.sh
#
#   bench/fuzz-soak.sh                 # 20,000 cases per property, a new random seed
#   WARDEN_FUZZ_CASES=5000 bench/fuzz-soak.sh
#   bench/fuzz-soak.sh --no-build      # reuse the last Release build of the tests
set -euo pipefail
cd "$(dirname "$0")/.."

export WARDEN_FUZZ_CASES="${WARDEN_FUZZ_CASES:-20000}"
export WARDEN_FUZZ_SEED="${WARDEN_FUZZ_SEED:-random}"

build=(--no-build)
if [[ "${1:-}" != "--no-build" ]]; then
  dotnet build tests/Warden.Server.Tests -c Release
fi

echo "fuzz soak: ${WARDEN_FUZZ_CASES} cases per property, seed ${WARDEN_FUZZ_SEED}"
# The servers are on 127.0.0.1 only; the run is bounded by the case count (and by this timeout, as a backstop).
timeout 3h dotnet test tests/Warden.Server.Tests -c Release "${build[@]}" \
  --filter "FullyQualifiedName~Hardening.RouteFuzzTests" --logger "console;verbosity=normal"
