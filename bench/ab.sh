#!/usr/bin/env bash
# Warden against Warden: two builds (or one build under two environments) side by side behind one simulator, driven
# by wrk in interleaved rounds (A B, B A, A B, ...); reports the medians of requests per second, p50 latency and each
# Warden's CPU per request, and B against A. It tells a change's effect apart from the host's drift (bench/README.md).
# Usage: bench/ab.sh [--scenario NAME] [--conc N] [--rounds N] [--seconds S] [--env-a "K=V ..."] [--env-b "K=V ..."] A [B]
#   A, B: a git revision (built from `git archive`), or . for the working tree; B defaults to the working tree.
#   Scenarios: chat (default), chat-stream, agent, agent-stream, anthropic-stream, anthropic-many, to-anthropic-stream,
#   to-anthropic-many.
# Everything listens on 127.0.0.1, every load is bounded in time and requests, and everything started is stopped.
set -euo pipefail

SCENARIO=chat CONC=32 ROUNDS=8 DURATION=3 ENV_A="" ENV_B=""
REVS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) SCENARIO=$2; shift 2 ;;
    --conc) CONC=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) DURATION=$2; shift 2 ;;
    --env-a) ENV_A=$2; shift 2 ;;
    --env-b) ENV_B=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) REVS+=("$1"); shift ;;
  esac
done
if [ ${#REVS[@]} -lt 1 ] || [ ${#REVS[@]} -gt 2 ]; then echo "usage: bench/ab.sh [options] A [B]  (see --help)" >&2; exit 2; fi
REV_A=${REVS[0]}
REV_B=${REVS[1]:-.}
for n in "$CONC" "$ROUNDS" "$DURATION"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "--conc, --rounds and --seconds take positive whole numbers" >&2; exit 2; }
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
MAX_REQUESTS=$((DURATION * 40000))  # per wrk run: a safety bound far above what this machine can serve
# Two builds, a warm-up of at most about 60 s, then a pair of wrk runs per round, each bounded by its duration plus 20 s.
LIMIT=$((900 + 120 + ROUNDS * 2 * (DURATION + 25)))

# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
bench_guard "$LIMIT"

command -v wrk >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 || {
  say "bench: installing wrk and curl from Debian (apt-get install -y wrk curl)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl >&2
}
CLK_TCK=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# build REV DIR: publishes Warden at a revision (or the working tree) into DIR.
build() {
  local rev=$1 out=$2 src
  if [ "$rev" = . ]; then
    src=$ROOT
    say "bench: building the working tree"
  else
    git -C "$ROOT" rev-parse --verify --quiet "$rev^{commit}" >/dev/null || { say "bench: no such revision: $rev"; exit 2; }
    src="$WORK/src-$(basename "$out")"
    mkdir -p "$src"
    git -C "$ROOT" archive "$rev" | tar -x -C "$src"
    say "bench: building $rev ($(git -C "$ROOT" rev-parse --short "$rev"))"
  fi
  dotnet publish "$src/src/Warden.Server" -c Release -o "$out" -nologo -v q >&2
}
build "$REV_A" "$WORK/a"
if [ "$REV_B" = "$REV_A" ]; then cp -r "$WORK/a" "$WORK/b"; else build "$REV_B" "$WORK/b"; fi

# Request bodies: the same ones bench/run.sh sends.
B="$WORK/bodies"; mkdir -p "$B"
PROMPT='"messages":[{"role":"user","content":"Hello, benchmark"}]'
CHAT=/v1/chat/completions MESSAGES=/v1/messages
case "$SCENARIO" in
  chat) REQ_PATH=$CHAT; printf '{"model":"sim-small","max_tokens":256,%s}' "$PROMPT" > "$B/body.json" ;;
  chat-stream) REQ_PATH=$CHAT; printf '{"model":"sim-small","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/body.json" ;;
  agent) REQ_PATH=$CHAT
    # shellcheck disable=SC2016
    sed 's/"stream":true,"stream_options":{"include_usage":true},//' "$HERE/data/agent-100k.chat.json" > "$B/body.json" ;;
  agent-stream) REQ_PATH=$CHAT; cp "$HERE/data/agent-100k.chat.json" "$B/body.json" ;;
  anthropic-stream) REQ_PATH=$MESSAGES
    printf '{"model":"sim-small","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/body.json" ;;
  anthropic-many) REQ_PATH=$MESSAGES
    printf '{"model":"sim-small~long-4","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/body.json" ;;
  to-anthropic-stream) REQ_PATH=$CHAT
    printf '{"model":"sim-small~latency-0","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/body.json" ;;
  to-anthropic-many) REQ_PATH=$CHAT
    printf '{"model":"sim-small~latency-0~long-4","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/body.json" ;;
  *) say "bench: unknown scenario $SCENARIO (see --help)"; exit 2 ;;
esac

# The simulator (from build A) and the two Wardens, configured alike (configure_warden, as bench/run.sh does).
SIM_KEY="sim-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export BENCH_SIM_KEY=$SIM_KEY
SIM_PORT=$(free_port)
dotnet "$WORK/a/warden.dll" simulate --port "$SIM_PORT" --api-key-env BENCH_SIM_KEY > "$WORK/simulator.log" 2>&1 &
PIDS+=("$!")
wait_for_line "$WORK/simulator.log" 'listening on' 30 >/dev/null

CHAT_MODELS="sim-small,sim-small~long-4"
ANTHROPIC_MODELS="sim-small~latency-0,sim-small~latency-0~long-4"
declare -A PORT PID KEY
for side in a b; do
  env_var=ENV_${side^^}
  PORT[$side]=$(free_port)
  # shellcheck disable=SC2086 # the environment is a list of NAME=value words
  env ${!env_var} dotnet "$WORK/$side/warden.dll" serve --port "${PORT[$side]}" --data "$WORK/data-$side" --no-simulator \
    > "$WORK/warden-$side.log" 2>&1 &
  PID[$side]=$!; PIDS+=("$!")
  wait_for_line "$WORK/warden-$side.log" 'listening on' 60 >/dev/null
  KEY[$side]=$(configure_warden "$WORK/$side/warden.dll" "$WORK/data-$side" "$SIM_PORT" "$CHAT_MODELS" "$ANTHROPIC_MODELS")
done

headers() { printf '%s\n' "Authorization: Bearer $1" "x-api-key: $1" "anthropic-version: 2023-06-01" "Content-Type: application/json"; }

# The running servers pick CLI changes up within a second.
for side in a b; do
  deadline=$((SECONDS + 20))
  mapfile -t probe_headers < <(headers "${KEY[$side]}")
  until [ "$(post_code "http://127.0.0.1:${PORT[$side]}$REQ_PATH" "$B/body.json" "${probe_headers[@]}")" = 200 ]; do
    if [ $SECONDS -ge $deadline ]; then say "bench: Warden $side does not answer $SCENARIO:"; cat "$WORK/probe.out" >&2; exit 1; fi
    sleep 0.3
  done
done

RAW="$WORK/raw.tsv"
# run SIDE ROUND DURATION: one wrk run against one Warden; round 0 is a warm-up and is not recorded.
run() {
  local side=$1 round=$2 duration=$3 headers=() t0 t1 out line
  mapfile -t headers < <(headers "${KEY[$side]}")
  t0=$(ticks "${PID[$side]}")
  out=$(wrk_post "http://127.0.0.1:${PORT[$side]}$REQ_PATH" "$B/body.json" "$CONC" "$duration" "$MAX_REQUESTS" "${headers[@]}")
  t1=$(ticks "${PID[$side]}")
  [ "$round" = 0 ] && return 0
  line=$(grep -m1 '^WRKRESULT' <<< "$out") || { say "bench: wrk failed against $side: $out"; return 0; }
  local reqs dur p50 p90 p99 ec er ew es et
  read -r _ reqs dur p50 p90 p99 ec er ew es et <<< "$line"
  [ "$reqs" -ge "$MAX_REQUESTS" ] && say "bench: $side hit the request bound; its rps is a lower bound"
  awk -v OFS='\t' -v s="$side" -v r="$round" -v n="$reqs" -v d="$dur" -v p50="$p50" -v dt=$((t1 - t0)) -v hz="$CLK_TCK" \
      -v e=$((ec + er + ew + es + et)) \
      'BEGIN { print s, r, n / (d / 1e6), p50, (n > 0 ? dt * 1e6 / hz / n : 0), e }' >> "$RAW"
  say "$(tail -1 "$RAW" | awk -F'\t' '{ printf "  %s round %s: %8.1f rps  p50 %6d us  CPU %6.0f us/req  errors %s", $1, $2, $3, $4, $5, $6 }')"
}

say "bench: $SCENARIO at c=$CONC, $ROUNDS rounds of ${DURATION}s; A = $REV_A${ENV_A:+ ($ENV_A)}, B = $REV_B${ENV_B:+ ($ENV_B)}"
# Warm-up until .NET's tiered JIT is quiet in both Wardens and the simulator (as bench/run.sh does), at most 60 s.
warm_start=$SECONDS
while :; do
  before=$(jit_ticks "${PIDS[@]}")
  run a 0 2; run b 0 2
  spent=$(jit_delta "$before" "$(jit_ticks "${PIDS[@]}")")
  if [ "$spent" -le 2 ]; then say "bench: JIT quiet after $((SECONDS - warm_start))s of warm-up"; break; fi
  if [ $((SECONDS - warm_start)) -ge 60 ]; then say "bench: JIT still busy after 60s of warm-up ($spent ticks in the last pass)"; break; fi
done
for round in $(seq "$ROUNDS"); do
  # Each side goes first in every other round, so whatever the previous run leaves behind hits both alike.
  if [ $((round % 2)) = 1 ]; then run a "$round" "$DURATION"; run b "$round" "$DURATION"
  else run b "$round" "$DURATION"; run a "$round" "$DURATION"; fi
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v c="$2" '$1 == s { print $c }' "$RAW" | median; }
{
  echo "| $SCENARIO, c=$CONC, $ROUNDS rounds of ${DURATION}s (medians) | rps | p50 µs | CPU µs/req | errors |"
  echo "|---|---|---|---|---|"
  for side in a b; do
    rev=$REV_A env_words=$ENV_A
    [ "$side" = b ] && rev=$REV_B env_words=$ENV_B
    [ "$rev" = . ] && rev="working tree"
    printf '| %s: %s%s | %.0f | %.0f | %.0f | %d |\n' "${side^^}" "$rev" "${env_words:+ ($env_words)}" \
      "$(col "$side" 3)" "$(col "$side" 4)" "$(col "$side" 5)" \
      "$(awk -F'\t' -v s="$side" '$1 == s { e += $6 } END { print e + 0 }' "$RAW")"
  done
  awk -v ra="$(col a 3)" -v rb="$(col b 3)" -v pa="$(col a 4)" -v pb="$(col b 4)" -v ca="$(col a 5)" -v cb="$(col b 5)" \
    'BEGIN { printf "| B / A | %.3f | %.3f | %.3f | |\n", rb / ra, pb / pa, cb / ca }'
}
