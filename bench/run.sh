#!/usr/bin/env bash
# Warden benchmark: the simulator upstream reached directly, through nginx (a bare reverse proxy), through a bare
# .NET forwarder (bench/forwarder), through the Portkey gateway (npm, patched to stream; bench/README.md) and through
# Warden (auth, limits and metering on), driven by wrk, interleaved direct/nginx/forwarder/portkey/warden in rounds.
# Usage: bench/run.sh [--quick] [--no-build]     (see bench/README.md)
# Optional environment: BENCH_ONLY=REGEX runs only the throughput scenarios whose name matches;
# BENCH_WARDEN_ENV="NAME=value ..." is added to Warden's environment only (to try runtime settings).
# Everything listens on 127.0.0.1, every load is bounded in time and requests, and every process started here
# is stopped on exit (trap), including on Ctrl+C and on the overall time limit.
set -euo pipefail

MODE=full
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (use --quick, --no-build)" >&2; exit 2 ;;
  esac
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT_DIR="$HERE/.out"
RESULTS="$HERE/results/latest.md"

if [ "$MODE" = quick ]; then
  DURATION=2; ROUNDS=1; WARMUP=1; JIT_WARMUP_MAX=30; TTFE_SAMPLES=20; HOLD=2; LIMIT=1500
else
  DURATION=4; ROUNDS=2; WARMUP=1; JIT_WARMUP_MAX=90; TTFE_SAMPLES=100; HOLD=5; LIMIT=2400
fi
JIT_WARMUP=1          # seconds per request kind in one warm-up pass; passes repeat until the JIT is quiet
CONCURRENCY=(1 32)
STREAM_COUNT=1000     # open streams for the memory measurement
TTFE_PACE_MS=5        # pause between streamed events while measuring time to first event
LONG_PACE_MS=2000     # pause between events of the 1,000 long streams (16 events: ~30 s if nobody closes them)
MANY_EVENTS_FAULT=long-4  # the many-event stream for CPU per event: 4 KiB of text in ~12-character chunks (~345 events)
MAX_REQUESTS=$((DURATION * 40000))  # per wrk run: a safety bound far above what this machine can serve

# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

# ---------------------------------------------------------------------------------------------------------
# Processes and cleanup: everything started is stopped, and the temporary folder removed, on exit, on Ctrl+C and
# past the overall time limit
# ---------------------------------------------------------------------------------------------------------
bench_guard "$LIMIT"

# ---------------------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------------------
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  say "bench: installing ${missing[*]} from Debian (apt-get install -y ${missing[*]})"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  # Debian's package may start its own nginx service on port 80; this benchmark does not use it.
fi
NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
CLK_TCK=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "$BUILD" = 1 ] || [ ! -f "$OUT_DIR/warden/warden.dll" ] || [ ! -f "$OUT_DIR/tool/warden-bench.dll" ] || [ ! -f "$OUT_DIR/forwarder/bench-forwarder.dll" ]; then
  say "bench: building Warden (dotnet publish -c Release), the measuring tool and the bare forwarder"
  dotnet publish "$ROOT/src/Warden.Server" -c Release -o "$OUT_DIR/warden" -nologo -v q >&2
  dotnet build "$HERE/tool" -c Release -o "$OUT_DIR/tool" -nologo -v q >&2
  dotnet build "$HERE/forwarder" -c Release -o "$OUT_DIR/forwarder" -nologo -v q >&2
fi
WARDEN_DLL="$OUT_DIR/warden/warden.dll"
TOOL_DLL="$OUT_DIR/tool/warden-bench.dll"
FORWARDER_DLL="$OUT_DIR/forwarder/bench-forwarder.dll"

# The Portkey gateway from npm (an anchor from another ecosystem), installed once into bench/.out and patched there
# (bench/README.md, "Portkey"). Without node and npm it is left out and the report says so.
PORTKEY_VERSION=1.15.2
PORTKEY_DIR="$OUT_DIR/portkey"
PORTKEY_JS="$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  if [ ! -f "$PORTKEY_JS.orig" ]; then
    say "bench: installing @portkey-ai/gateway@$PORTKEY_VERSION with npm into $PORTKEY_DIR"
    mkdir -p "$PORTKEY_DIR"
    npm install --prefix "$PORTKEY_DIR" --no-audit --no-fund --ignore-scripts --loglevel=error "@portkey-ai/gateway@$PORTKEY_VERSION" >&2
    cp "$PORTKEY_JS" "$PORTKEY_JS.orig"
  fi
  # The patches, applied to a fresh copy of the installed file each run; each must match exactly once.
  cp "$PORTKEY_JS.orig" "$PORTKEY_JS"
  portkey_patch() {
    local from=$1 to=$2
    [ "$(grep -cF -- "$from" "$PORTKEY_JS")" = 1 ] || { say "bench: Portkey patch does not apply: $from"; return 1; }
    FROM=$from TO=$to perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/' "$PORTKEY_JS"
  }
  # 1. A passed-through stream is re-wrapped as new Response(body, upstreamResponse); under Node 20 that copies the
  #    upstream's immutable headers, and adding Portkey's own headers then throws "immutable": every stream is a 500.
  portkey_patch ':new Response(p,e)}const Ad=' ':new Response(p,{status:e.status,statusText:e.statusText,headers:new Headers(e.headers)})}const Ad='
  # 2. The stream splitter sleeps 25 ms before passing on the first event of every stream.
  portkey_patch 'l?(l=!1,await new Promise((e=>setTimeout(e,25)))):r' 'l?(l=!1):r'
  # And it listens on every interface by default: bound to 127.0.0.1 like everything here.
  portkey_patch 'import{serve as e}from"@hono/node-server";' 'import{serve as e0}from"@hono/node-server";const e=(o,c)=>e0({...o,hostname:"127.0.0.1"},c);'
  HAS_PORTKEY=1
else
  HAS_PORTKEY=0
fi

# ---------------------------------------------------------------------------------------------------------
# Helpers (more in lib.sh)
# ---------------------------------------------------------------------------------------------------------
# thread_ticks PID: "name<TAB>ticks" for every thread of a process (names are cut to 15 characters by Linux).
thread_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(cat "$task/comm" 2>/dev/null)" "$(sed 's/^.*) //' "$task/stat" 2>/dev/null | awk '{print $12 + $13}')"
  done
}

nginx_pids() { echo "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true); }

# headers_for AUTH: the request headers of one kind of caller, one per line.
headers_for() {
  case "$1" in
    sim-chat) printf '%s\n' "Authorization: Bearer $SIM_KEY" "Content-Type: application/json" ;;
    sim-anthropic) printf '%s\n' "x-api-key: $SIM_KEY" "Authorization: Bearer $SIM_KEY" "anthropic-version: 2023-06-01" "Content-Type: application/json" ;;
    warden-chat) printf '%s\n' "Authorization: Bearer $CLIENT_KEY" "Content-Type: application/json" ;;
    warden-anthropic) printf '%s\n' "x-api-key: $CLIENT_KEY" "anthropic-version: 2023-06-01" "Content-Type: application/json" ;;
    # Portkey forwards to the simulator as an OpenAI-compatible provider at a custom host.
    portkey-chat) printf '%s\n' "Authorization: Bearer $SIM_KEY" "Content-Type: application/json" "x-portkey-provider: openai" \
      "x-portkey-custom-host: http://127.0.0.1:$SIM_PORT/v1" ;;
  esac
}

# post_status PORT PATH BODY AUTH: the HTTP status of one request (used to probe what exists).
post_status() {
  local headers=()
  mapfile -t headers < <(headers_for "$4")
  post_code "http://127.0.0.1:$1$2" "$3" "${headers[@]}"
}

# raw_request FILE PORT PATH BODY AUTH [CONNECTION]: the exact bytes of one HTTP/1.1 request, for the measuring tool.
raw_request() {
  local file=$1 port=$2 path=$3 body=$4 auth=$5 connection=${6:-keep-alive} h
  {
    printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n' "$path" "$port"
    while IFS= read -r h; do printf '%s\r\n' "$h"; done < <(headers_for "$auth")
    printf 'Content-Length: %s\r\nConnection: %s\r\n\r\n' "$(wc -c < "$body")" "$connection"
    cat "$body"
  } > "$file"
}

port_of() { case "$1" in direct) echo "$SIM_PORT" ;; nginx) echo "$NGINX_PORT" ;; forwarder) echo "$FORWARDER_PORT" ;; portkey) echo "$PORTKEY_PORT" ;; warden) echo "$WARDEN_PORT" ;; esac; }
pids_of() { case "$1" in direct) echo "$SIM_PID" ;; nginx) nginx_pids ;; forwarder) echo "$FORWARDER_PID" ;; portkey) echo "$PORTKEY_PID" ;; warden) echo "$WARDEN_PID" ;; esac; }

# run_cell SCENARIO CONC ROUND TARGET PATH BODY AUTH: one wrk run; ROUND 0 is a warm-up and is not recorded
# (ROUND jit is the longer warm-up that lets .NET's tiered JIT finish before anything is measured).
run_cell() {
  local scenario=$1 conc=$2 round=$3 target=$4 path=$5 body=$6 auth=$7
  local headers=() pids
  mapfile -t headers < <(headers_for "$auth")
  local duration=$DURATION
  [ "$round" = 0 ] && duration=$WARMUP
  [ "$round" = jit ] && duration=$JIT_WARMUP
  read -r -a pids <<< "$(pids_of "$target")"
  local t0 s0 t1 s1 out line
  t0=$(ticks "${pids[@]}"); s0=$(ticks "$SIM_PID")
  out=$(wrk_post "http://127.0.0.1:$(port_of "$target")$path" "$body" "$conc" "$duration" "$MAX_REQUESTS" "${headers[@]}")
  t1=$(ticks "${pids[@]}"); s1=$(ticks "$SIM_PID")
  case "$round" in 0|jit) return 0 ;; esac
  if ! line=$(grep -m1 '^WRKRESULT' <<< "$out"); then
    say "bench: wrk failed for $scenario c=$conc $target: $out"
    return 0
  fi
  local reqs dur p50 p90 p99 ec er ew es et
  read -r _ reqs dur p50 p90 p99 ec er ew es et <<< "$line"
  local errors=$((ec + er + ew + es + et))
  [ "$reqs" -ge "$MAX_REQUESTS" ] && say "bench: $scenario c=$conc $target hit the request bound; its rps is a lower bound"
  awk -v OFS='\t' -v s="$scenario" -v c="$conc" -v t="$target" -v r="$round" -v n="$reqs" -v d="$dur" \
      -v p50="$p50" -v p99="$p99" -v e="$errors" -v dt=$((t1 - t0)) -v ds=$((s1 - s0)) -v hz="$CLK_TCK" \
      -v rss="$(rss_kb "${pids[@]}")" \
      'BEGIN { rps = n / (d / 1e6); cpu = n > 0 ? dt * 1e6 / hz / n : 0; sim = n > 0 ? ds * 1e6 / hz / n : 0;
               print s, c, t, r, rps, p50, p99, n, e, cpu, sim, rss }' >> "$RAW"
  say "$(printf '  %-26s c=%-3s %-7s round %s: %8.1f rps  p50 %6s us  p99 %7s us  errors %s' \
    "$scenario" "$conc" "$target" "$round" "$(tail -1 "$RAW" | cut -f5)" "$p50" "$p99" "$errors")"
}

# scenario NAME DIRECT_PATH DIRECT_BODY DIRECT_AUTH WARDEN_PATH WARDEN_BODY WARDEN_AUTH
# nginx and the bare forwarder get exactly the direct request, Portkey the same with its routing headers (OpenAI
# upstream calls only); Warden gets its own (the same one for pass-through, another dialect for translation). Rounds
# interleave direct, nginx, forwarder, portkey, warden so drifting load hits each alike.
scenario() {
  local name=$1 dpath=$2 dbody=$3 dauth=$4 wpath=$5 wbody=$6 wauth=$7 concs=${8:-${CONCURRENCY[*]}} conc round
  if [ -n "${BENCH_ONLY:-}" ] && ! [[ $name =~ $BENCH_ONLY ]]; then return 0; fi
  if [ "${JIT_PASS:-0}" = 1 ]; then
    # The simulator and Warden are .NET: both get the same untimed load first, at middling concurrency.
    run_cell "$name" 8 jit direct "$dpath" "$dbody" "$dauth"
    run_cell "$name" 8 jit forwarder "$dpath" "$dbody" "$dauth"
    run_cell "$name" 8 jit warden "$wpath" "$wbody" "$wauth"
    return 0
  fi
  say "bench: scenario $name"
  for conc in $concs; do
    for round in $(seq 0 "$ROUNDS"); do
      run_cell "$name" "$conc" "$round" direct "$dpath" "$dbody" "$dauth"
      run_cell "$name" "$conc" "$round" nginx "$dpath" "$dbody" "$dauth"
      run_cell "$name" "$conc" "$round" forwarder "$dpath" "$dbody" "$dauth"
      if [ "$HAS_PORTKEY" = 1 ] && [ "$dauth" = sim-chat ]; then
        run_cell "$name" "$conc" "$round" portkey "$dpath" "$dbody" portkey-chat
      fi
      run_cell "$name" "$conc" "$round" warden "$wpath" "$wbody" "$wauth"
    done
  done
}

# ---------------------------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------------------------
B="$WORK/bodies"; mkdir -p "$B"
PROMPT='"messages":[{"role":"user","content":"Hello, benchmark"}]'
printf '{"model":"sim-small","max_tokens":256,%s}' "$PROMPT" > "$B/chat.json"
printf '{"model":"sim-small","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/chat-stream.json"
printf '{"model":"sim-small~pace-%s","max_tokens":256,"stream":true,%s}' "$TTFE_PACE_MS" "$PROMPT" > "$B/chat-paced.json"
printf '{"model":"sim-small~pace-%s","max_tokens":256,"stream":true,%s}' "$LONG_PACE_MS" "$PROMPT" > "$B/chat-long.json"
# Many-event streams for CPU per event: the simulator's long-N fault streams N KiB of text in its usual small chunks.
printf '{"model":"sim-small~%s","max_tokens":256,"stream":true,%s}' "$MANY_EVENTS_FAULT" "$PROMPT" > "$B/chat-many.json"
printf '{"model":"sim-small~%s","max_tokens":256,"stream":true,%s}' "$MANY_EVENTS_FAULT" "$PROMPT" > "$B/anthropic-many.json"
printf '{"model":"sim-small~latency-0~%s","max_tokens":256,"stream":true,%s}' "$MANY_EVENTS_FAULT" "$PROMPT" > "$B/chat-to-anthropic-many.json"
printf '{"model":"sim-small","max_tokens":256,%s}' "$PROMPT" > "$B/anthropic.json"
printf '{"model":"sim-small","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/anthropic-stream.json"
printf '{"model":"sim-small~pace-%s","max_tokens":256,"stream":true,%s}' "$TTFE_PACE_MS" "$PROMPT" > "$B/anthropic-paced.json"
# The same calls for the channel whose upstream speaks Anthropic ("latency-0" is a no-op simulator fault that
# only gives that channel a model name of its own).
printf '{"model":"sim-small~latency-0","max_tokens":256,%s}' "$PROMPT" > "$B/chat-to-anthropic.json"
printf '{"model":"sim-small~latency-0","max_tokens":256,"stream":true,%s}' "$PROMPT" > "$B/chat-to-anthropic-stream.json"
# A ~100 KB agent request: the body of a real Qwen Code tool turn (system prompt, 15 tools, tool results),
# with its model set to sim-small and one more tool round trip.
cp "$HERE/data/agent-100k.chat.json" "$B/agent.json"
# shellcheck disable=SC2016
sed 's/"stream":true,"stream_options":{"include_usage":true},//' "$B/agent.json" > "$B/agent-nostream.json"

# ---------------------------------------------------------------------------------------------------------
# Start the simulator, nginx and Warden
# ---------------------------------------------------------------------------------------------------------
SIM_KEY="sim-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export BENCH_SIM_KEY=$SIM_KEY

SIM_PORT=$(free_port)
dotnet "$WARDEN_DLL" simulate --port "$SIM_PORT" --api-key-env BENCH_SIM_KEY > "$WORK/simulator.log" 2>&1 &
SIM_PID=$!; PIDS+=("$SIM_PID")
wait_for_line "$WORK/simulator.log" 'listening on' 30 >/dev/null

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/tmp"
NGINX_USER=""
[ "$(id -u)" = 0 ] && NGINX_USER="user root;"
cat > "$WORK/nginx/nginx.conf" <<EOF
# A bare reverse proxy: no buffering of responses, kept-alive upstream connections, nothing else.
$NGINX_USER
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  client_max_body_size 64m;
  client_body_buffer_size 1m;
  upstream simulator {
    server 127.0.0.1:$SIM_PORT;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://simulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
}
EOF
"$NGINX_BIN" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")

FORWARDER_PORT=$(free_port)
dotnet "$FORWARDER_DLL" "$FORWARDER_PORT" "$SIM_PORT" > "$WORK/forwarder.log" 2>&1 &
FORWARDER_PID=$!; PIDS+=("$FORWARDER_PID")

PORTKEY_PORT="" PORTKEY_PID=""
if [ "$HAS_PORTKEY" = 1 ]; then
  PORTKEY_PORT=$(free_port)
  NODE_ENV=production node "$PORTKEY_JS" "--port=$PORTKEY_PORT" --headless > "$WORK/portkey.log" 2>&1 &
  PORTKEY_PID=$!; PIDS+=("$PORTKEY_PID")
  wait_for_line "$WORK/portkey.log" 'Ready for connections' 60 >/dev/null
fi

WARDEN_PORT=$(free_port)
DATA="$WORK/data"
# shellcheck disable=SC2086 # BENCH_WARDEN_ENV is a list of NAME=value words
env ${BENCH_WARDEN_ENV:-} dotnet "$WARDEN_DLL" serve --port "$WARDEN_PORT" --data "$DATA" --no-simulator > "$WORK/warden.log" 2>&1 &
WARDEN_PID=$!; PIDS+=("$WARDEN_PID")
wait_for_line "$WORK/warden.log" 'listening on' 60 >/dev/null

# A client key limited to the benchmark's models, and channels to the simulator instead of the demo channel.
CHAT_MODELS="sim-small,sim-small~pace-$TTFE_PACE_MS,sim-small~pace-$LONG_PACE_MS,sim-small~$MANY_EVENTS_FAULT"
ANTHROPIC_MODELS="sim-small~latency-0,sim-small~latency-0~$MANY_EVENTS_FAULT"
CLIENT_KEY=$(configure_warden "$WARDEN_DLL" "$DATA" "$SIM_PORT" "$CHAT_MODELS" "$ANTHROPIC_MODELS")

# The running server picks CLI changes up within a second.
deadline=$((SECONDS + 20))
until [ "$(post_status "$WARDEN_PORT" /v1/chat/completions "$B/chat.json" warden-chat)" = 200 ]; do
  if [ $SECONDS -ge $deadline ]; then say "bench: Warden does not answer through the bench channel:"; cat "$WORK/probe.out" >&2; exit 1; fi
  sleep 0.3
done
anchors=(direct nginx forwarder)
[ "$HAS_PORTKEY" = 1 ] && anchors+=(portkey)
for target in "${anchors[@]}"; do
  auth=sim-chat; [ "$target" = portkey ] && auth=portkey-chat
  deadline=$((SECONDS + 20))
  until status=$(post_status "$(port_of $target)" /v1/chat/completions "$B/chat.json" $auth); [ "$status" = 200 ] || [ $SECONDS -ge $deadline ]; do
    sleep 0.3
  done
  [ "$status" = 200 ] || { say "bench: $target answered $status"; cat "$WORK/probe.out" "$WORK/nginx/error.log" >&2 2>/dev/null; exit 1; }
done
say "bench: simulator :$SIM_PORT (pid $SIM_PID), nginx :$NGINX_PORT (pid $NGINX_PID), forwarder :$FORWARDER_PORT (pid $FORWARDER_PID), portkey :${PORTKEY_PORT:-none}, warden :$WARDEN_PORT (pid $WARDEN_PID)"

# What exists yet: the Anthropic endpoint on Warden, the simulator's Anthropic upstream.
NOTES=()
[ "$HAS_PORTKEY" = 1 ] || NOTES+=("the Portkey gateway: not run (no node and npm on this machine)")
HAS_MESSAGES=0
status=$(post_status "$WARDEN_PORT" /v1/messages "$B/anthropic.json" warden-anthropic)
if [ "$status" = 200 ]; then HAS_MESSAGES=1; else
  NOTES+=("translation Anthropic client -> OpenAI upstream: not available yet (POST /v1/messages on Warden answered $status)")
fi
HAS_ANTHROPIC_UPSTREAM=0
status=$(post_status "$SIM_PORT" /v1/messages "$B/anthropic.json" sim-anthropic)
if [ "$status" != 200 ]; then
  NOTES+=("translation OpenAI client -> Anthropic upstream: not available yet (the simulator's POST /v1/messages answered $status)")
else
  # The two channels were added by two CLI calls: the server may have reloaded between them, so wait for the second.
  deadline=$((SECONDS + 10))
  until status=$(post_status "$WARDEN_PORT" /v1/chat/completions "$B/chat-to-anthropic.json" warden-chat); [ "$status" = 200 ] || [ $SECONDS -ge $deadline ]; do
    sleep 0.3
  done
  if [ "$status" = 200 ]; then HAS_ANTHROPIC_UPSTREAM=1; else
    NOTES+=("translation OpenAI client -> Anthropic upstream: not available yet (Warden answered $status for a chat call to an Anthropic channel)")
  fi
fi
for note in "${NOTES[@]}"; do say "bench: $note"; done

# Events per stream (data: lines a client receives), for CPU per event.
EVENTS=$(curl -sN --max-time 10 -H "Authorization: Bearer $CLIENT_KEY" -H 'Content-Type: application/json' \
  --data-binary "@$B/chat-stream.json" "http://127.0.0.1:$WARDEN_PORT/v1/chat/completions" | grep -c '^data:' || true)
MANY_EVENTS=$(curl -sN --max-time 10 -H "Authorization: Bearer $CLIENT_KEY" -H 'Content-Type: application/json' \
  --data-binary "@$B/chat-many.json" "http://127.0.0.1:$WARDEN_PORT/v1/chat/completions" | grep -c '^data:' || true)
IDLE_RSS=$(rss_kb "$WARDEN_PID")

# ---------------------------------------------------------------------------------------------------------
# Throughput and latency
# ---------------------------------------------------------------------------------------------------------
RAW="$WORK/raw.tsv"; : > "$RAW"
CHAT=/v1/chat/completions
all_scenarios() {
scenario "chat pass-through" $CHAT "$B/chat.json" sim-chat $CHAT "$B/chat.json" warden-chat
scenario "chat pass-through stream" $CHAT "$B/chat-stream.json" sim-chat $CHAT "$B/chat-stream.json" warden-chat
scenario "chat pass-through many-event stream" $CHAT "$B/chat-many.json" sim-chat $CHAT "$B/chat-many.json" warden-chat 32
scenario "agent 100KB" $CHAT "$B/agent-nostream.json" sim-chat $CHAT "$B/agent-nostream.json" warden-chat
scenario "agent 100KB stream" $CHAT "$B/agent.json" sim-chat $CHAT "$B/agent.json" warden-chat
if [ $HAS_MESSAGES = 1 ]; then
  scenario "anthropic->chat" $CHAT "$B/chat.json" sim-chat /v1/messages "$B/anthropic.json" warden-anthropic
  scenario "anthropic->chat stream" $CHAT "$B/chat-stream.json" sim-chat /v1/messages "$B/anthropic-stream.json" warden-anthropic
  scenario "anthropic->chat many-event stream" $CHAT "$B/chat-many.json" sim-chat /v1/messages "$B/anthropic-many.json" warden-anthropic 32
fi
if [ $HAS_ANTHROPIC_UPSTREAM = 1 ]; then
  scenario "chat->anthropic" /v1/messages "$B/anthropic.json" sim-anthropic $CHAT "$B/chat-to-anthropic.json" warden-chat
  scenario "chat->anthropic stream" /v1/messages "$B/anthropic-stream.json" sim-anthropic $CHAT "$B/chat-to-anthropic-stream.json" warden-chat
  scenario "chat->anthropic many-event stream" /v1/messages "$B/anthropic-many.json" sim-anthropic $CHAT "$B/chat-to-anthropic-many.json" warden-chat 32
fi
}
# .NET compiles hot methods again in the background (tiered JIT, PGO) for a while after start; measuring before that
# settles would charge the JIT's CPU to requests. Warm-up passes over every request kind repeat until the tiering
# threads of the simulator and Warden used at most 2 clock ticks in a pass (or JIT_WARMUP_MAX seconds passed).
say "bench: JIT warm-up (passes of ${JIT_WARMUP}s per request kind on the simulator and on Warden, until the JIT is quiet)"
warm_start=$SECONDS
while :; do
  before=$(jit_ticks "$SIM_PID" "$FORWARDER_PID" "$WARDEN_PID"); pass_start=$SECONDS
  JIT_PASS=1 all_scenarios
  spent=$(jit_delta "$before" "$(jit_ticks "$SIM_PID" "$FORWARDER_PID" "$WARDEN_PID")")
  say "bench:   JIT threads used $spent ticks in a pass of $((SECONDS - pass_start))s"
  if [ "$spent" -le 2 ]; then JIT_NOTE="JIT quiet after $((SECONDS - warm_start))s of warm-up"; break; fi
  if [ $((SECONDS - warm_start)) -ge "$JIT_WARMUP_MAX" ]; then
    JIT_NOTE="JIT still busy after ${JIT_WARMUP_MAX}s of warm-up ($spent ticks in the last pass): early cells may include JIT work"
    break
  fi
done
say "bench: $JIT_NOTE"
THREADS_BEFORE="$WORK/threads.before"; THREADS_AFTER="$WORK/threads.after"
thread_ticks "$WARDEN_PID" > "$THREADS_BEFORE"; PROC_BEFORE=$(ticks "$WARDEN_PID")
all_scenarios
thread_ticks "$WARDEN_PID" > "$THREADS_AFTER"; PROC_TICKS=$(( $(ticks "$WARDEN_PID") - PROC_BEFORE ))

# ---------------------------------------------------------------------------------------------------------
# Time to first streamed event (paced stream), interleaved sample by sample
# ---------------------------------------------------------------------------------------------------------
say "bench: time to first event ($TTFE_SAMPLES samples per target, pace ${TTFE_PACE_MS} ms)"
TT=("direct=$SIM_PORT=$WORK/ttfe-direct.req" "nginx=$NGINX_PORT=$WORK/ttfe-nginx.req" "warden=$WARDEN_PORT=$WORK/ttfe-warden.req")
raw_request "$WORK/ttfe-direct.req" "$SIM_PORT" $CHAT "$B/chat-paced.json" sim-chat
raw_request "$WORK/ttfe-nginx.req" "$NGINX_PORT" $CHAT "$B/chat-paced.json" sim-chat
raw_request "$WORK/ttfe-warden.req" "$WARDEN_PORT" $CHAT "$B/chat-paced.json" warden-chat
if [ $HAS_MESSAGES = 1 ]; then
  raw_request "$WORK/ttfe-warden-anthropic.req" "$WARDEN_PORT" /v1/messages "$B/anthropic-paced.json" warden-anthropic
  TT+=("warden-anthropic=$WARDEN_PORT=$WORK/ttfe-warden-anthropic.req")
fi
TTFE_OUT="$WORK/ttfe.tsv"
dotnet "$TOOL_DLL" ttfe --samples "$TTFE_SAMPLES" --max-seconds 120 "${TT[@]}" > "$TTFE_OUT" || say "bench: some first-event samples failed"

# ---------------------------------------------------------------------------------------------------------
# 1,000 open streams: Warden's resident memory while they are all open
# ---------------------------------------------------------------------------------------------------------
say "bench: $STREAM_COUNT open streams through Warden (hold ${HOLD}s)"
raw_request "$WORK/long.req" "$WARDEN_PORT" $CHAT "$B/chat-long.json" warden-chat close
STREAMS_OUT="$WORK/streams.tsv"
dotnet "$TOOL_DLL" streams --count "$STREAM_COUNT" --open-seconds 30 --hold-seconds "$HOLD" --max-seconds 90 \
  --pid "$WARDEN_PID" "warden=$WARDEN_PORT=$WORK/long.req" > "$STREAMS_OUT" || say "bench: not every stream opened"

# ---------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------
report() {
  echo "# Warden benchmark results"
  echo
  echo "Mode: $MODE ($ROUNDS round(s) of ${DURATION}s per cell, interleaved direct/nginx/warden, after a ${WARMUP}s warm-up)."
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), dotnet $(dotnet --version), $("$NGINX_BIN" -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}')."
  echo "Client (wrk), simulator, nginx and Warden share the same cores; numbers are ratios within one run. $JIT_NOTE."
  echo
  echo "| scenario | conc | rps direct | rps nginx | rps warden | warden/nginx | +p50 nginx µs | +p99 nginx µs | +p50 warden µs | +p99 warden µs | CPU µs/req sim | CPU µs/req nginx | CPU µs/req warden | warden RSS MB | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' -v OFS=' | ' '
    { key = $1 SUBSEP $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
      k = key SUBSEP $3; cnt[k]++; rps[k] += $5; p50[k] += $6; p99[k] += $7; err[key] += $9; cpu[k] += $10; sim[k] += $11
      if ($12 > rss[k]) rss[k] = $12 }
    END {
      for (i = 1; i <= n; i++) {
        key = order[i]; split(key, part, SUBSEP)
        d = key SUBSEP "direct"; g = key SUBSEP "nginx"; w = key SUBSEP "warden"
        if (!cnt[d] || !cnt[g] || !cnt[w]) continue
        printf "| %s | %s | %.0f | %.0f | %.0f | %.2f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %d |\n",
          part[1], part[2], rps[d]/cnt[d], rps[g]/cnt[g], rps[w]/cnt[w], (rps[w]/cnt[w]) / (rps[g]/cnt[g]),
          p50[g]/cnt[g] - p50[d]/cnt[d], p99[g]/cnt[g] - p99[d]/cnt[d], p50[w]/cnt[w] - p50[d]/cnt[d], p99[w]/cnt[w] - p99[d]/cnt[d],
          cpu[d]/cnt[d], cpu[g]/cnt[g], cpu[w]/cnt[w], rss[w]/1024, err[key]
      }
    }' "$RAW"
  echo
  echo "## Anchors: the bare .NET forwarder and the Portkey gateway in the same rounds"
  echo
  echo "| scenario | conc | rps direct | rps forwarder | rps portkey | rps warden | warden/forwarder | +p50 forwarder µs | +p50 warden µs | CPU µs/req forwarder | CPU µs/req portkey | CPU µs/req warden |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' '
    { key = $1 SUBSEP $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
      k = key SUBSEP $3; cnt[k]++; rps[k] += $5; p50[k] += $6; cpu[k] += $10 }
    function v(k, arr, f) { return cnt[k] ? sprintf(f, arr[k] / cnt[k]) : "–" }
    END {
      for (i = 1; i <= n; i++) {
        key = order[i]; split(key, part, SUBSEP)
        d = key SUBSEP "direct"; f = key SUBSEP "forwarder"; p = key SUBSEP "portkey"; w = key SUBSEP "warden"
        if (!cnt[d] || !cnt[f] || !cnt[w]) continue
        printf "| %s | %s | %s | %s | %s | %s | %.2f | %.0f | %.0f | %s | %s | %s |\n", part[1], part[2],
          v(d, rps, "%.0f"), v(f, rps, "%.0f"), v(p, rps, "%.0f"), v(w, rps, "%.0f"), (rps[w]/cnt[w]) / (rps[f]/cnt[f]),
          p50[f]/cnt[f] - p50[d]/cnt[d], p50[w]/cnt[w] - p50[d]/cnt[d], v(f, cpu, "%.0f"), v(p, cpu, "%.0f"), v(w, cpu, "%.0f")
      }
    }' "$RAW"
  echo
  echo "The chart $(basename "$CHART") beside this report draws the same cells at c=32: throughput as a share of direct, and CPU per request."
  echo
  echo "rps: requests (whole responses, streams included) per second. +p50/+p99: latency added over direct (wrk, whole"
  echo "response). CPU µs/req: utime+stime of that server's processes (simulator's in the direct run) per request."
  echo "A stream here is $EVENTS data events (the simulator's sim-small answer); a many-event stream $MANY_EVENTS (its $MANY_EVENTS_FAULT fault)."
  echo
  echo "## Time to first streamed event (pace ${TTFE_PACE_MS} ms, $TTFE_SAMPLES samples each, kept-alive connection)"
  echo
  echo "| target | samples | failed | p50 µs | p90 µs | p99 µs | added p50 µs |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '$1 == "ttfe" { if ($2 == "direct") base = $5; row[++n] = $0 }
    END { for (i = 1; i <= n; i++) { split(row[i], f, "\t"); printf "| %s | %s | %s | %s | %s | %s | %+d |\n", f[2], f[3], f[4], f[5], f[6], f[7], f[5] - base } }' "$TTFE_OUT"
  echo
  echo "## Where Warden's CPU went during the throughput cells (by thread name)"
  echo
  echo "| thread | CPU s | share |"
  echo "|---|---|---|"
  # Threads that exited between the snapshots are counted from the process total.
  awk -F'\t' -v hz="$CLK_TCK" -v proc="$PROC_TICKS" 'NR == FNR { before[$1] += $2; next } { after[$1] += $2 }
    END { for (n in after) { d = after[n] - before[n]; if (d > 0) { used[n] = d; total += d } }
          if (proc > total) used["(threads that exited)"] = proc - total; if (proc > total) total = proc
          for (n in used) printf "%s\t%.2f\t%.1f%%\n", n, used[n] / hz, 100 * used[n] / total }' "$THREADS_BEFORE" "$THREADS_AFTER" \
    | sort -t$'\t' -k2 -rn | head -8 | awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
  echo
  echo "## Open streams"
  echo
  awk -F'\t' -v idle="$IDLE_RSS" '$1 == "streams" {
    printf "%s of %s paced streams open at once through Warden (%s failed): Warden VmRSS %.0f MB before (%.0f MB after start-up), peak %.0f MB while open.\n",
      $3, $2, $4, $5/1024, idle/1024, $6/1024 }' "$STREAMS_OUT"
  echo
  echo "## Budget (DESIGN.md §7)"
  echo
  awk -F'\t' -v events="$EVENTS" -v many="$MANY_EVENTS" -v ttfe_file="$TTFE_OUT" -v streams_file="$STREAMS_OUT" '
    { k = $1 SUBSEP $2 SUBSEP $3; cnt[k]++; rps[k] += $5; p50[k] += $6; cpu[k] += $10 }
    function avg(s, c, t, arr) { k = s SUBSEP c SUBSEP t; return cnt[k] ? arr[k] / cnt[k] : -1 }
    # Warden over nginx in one cell; -1 when either was not run (BENCH_ONLY), so nothing is called met by accident.
    function ratio(s, c, arr,   w, n) { w = avg(s, c, "warden", arr); n = avg(s, c, "nginx", arr); return w < 0 || n <= 0 ? -1 : w / n }
    # Warden CPU per event of scenario s at c: (many-event stream - short stream) / the events more; empty if not run.
    function slope(s, c,   a, b) { a = avg(s " many-event stream", c, "warden", cpu); b = avg(s " stream", c, "warden", cpu)
      return a < 0 || b < 0 || many <= events ? "" : (a - b) / (many - events) }
    function line(what, budget, value, ok) { printf "- %s: budget %s; measured %s: %s\n", what, budget, value, ok ? "met" : "NOT met" }
    END {
      for (c = 1; c <= 32; c += 31) {
        r = ratio("chat pass-through", c, rps)
        if (r < 0) print "- non-streamed throughput, c=" c ": not measured (cell not run)"
        else line("non-streamed throughput, c=" c, ">= 0.80x nginx", sprintf("%.2fx", r), r >= 0.8)
        r = ratio("chat pass-through stream", c, rps)
        if (r < 0) print "- streamed throughput, c=" c ": not measured (cell not run)"
        else line("streamed throughput, c=" c, ">= 1.00x nginx", sprintf("%.2fx", r), r >= 1.0)
      }
      if (cnt["chat pass-through" SUBSEP 1 SUBSEP "warden"]) {
        d = avg("chat pass-through", 1, "direct", p50); an = avg("chat pass-through", 1, "nginx", p50) - d; aw = avg("chat pass-through", 1, "warden", p50) - d
        line("added median latency at c=1", "<= 1.5x nginx added", sprintf("warden +%.0f µs vs nginx +%.0f µs (%.1fx)", aw, an, an > 0 ? aw / an : 0), an > 0 && aw <= 1.5 * an)
      } else print "- added median latency at c=1: not measured (cell not run)"
      while ((getline l < ttfe_file) > 0) { split(l, f, "\t"); if (f[1] == "ttfe") t[f[2]] = f[5] }
      if ("direct" in t && "warden" in t) line("added time to first streamed event", "<= 300 µs", sprintf("+%.0f µs (nginx +%.0f µs)", t["warden"] - t["direct"], t["nginx"] - t["direct"]), t["warden"] - t["direct"] <= 300)
      # CPU per event is a slope: what a stream of many events costs more than a short one, over the events it has
      # more. Dividing the CPU of a whole stream by its events would charge the work of the request itself (auth, routing, the
      # request translation, signing, metering) to its events.
      more = many - events
      p = slope("chat pass-through", 32)
      if (p != "") printf "- for reference, pass-through CPU per stream event (c=32): %.2f µs (a %d-event stream costs %.0f µs more than a %d-event one)\n", p, many, p * more, events
      tx = slope("anthropic->chat", 32)
      if (p != "" && tx != "") line("translation CPU per stream event (anthropic->chat, c=32)", "<= 2 µs", sprintf("%.2f µs more than pass-through (%.2f against %.2f µs per event)", tx - p, tx, p), tx - p <= 2)
      else print "- translation CPU per stream event (anthropic->chat): not measured (cells not run)"
      tx = slope("chat->anthropic", 32)
      if (p != "" && tx != "") printf "- the other direction (chat->anthropic, c=32): %.2f µs more than pass-through (%.2f µs per event)\n", tx - p, tx
      while ((getline l < streams_file) > 0) { split(l, f, "\t"); if (f[1] == "streams") { peak = f[6]; opened = f[3]; total = f[2] } }
      if (total) line("resident memory with " total " open streams", "<= 150 MB", sprintf("%.0f MB (%d open)", peak / 1024, opened), peak <= 150 * 1024 && opened == total)
      a = avg("agent 100KB", 1, "warden", p50) - avg("agent 100KB", 1, "direct", p50); b = avg("chat pass-through", 1, "warden", p50) - avg("chat pass-through", 1, "direct", p50)
      if (cnt["agent 100KB" SUBSEP 1 SUBSEP "warden"]) line("request size: added p50 at c=1 of the 100 KB agent request minus that of a small one", "1 MB adds <= ~1 ms (~100 µs per 100 KB)", sprintf("%+.0f µs (%.0f vs %.0f µs)", a - b, a, b), a - b <= 100)
    }' "$RAW"
  if [ ${#NOTES[@]} -gt 0 ]; then
    echo
    echo "## Not run"
    echo
    for note in "${NOTES[@]}"; do echo "- $note"; done
  fi
}

# chart: an SVG drawn from the raw cells, for each scenario at c=32, two panels side by side: throughput as a share of
# direct, and CPU per request, one bar per target (the target's own processes; the simulator's in the direct run).
chart() {
  awk -F'\t' '
    $2 == 32 { if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
               k = $1 SUBSEP $3; cnt[k]++; rps[k] += $5; cpu[k] += $10 }
    END {
      split("direct nginx forwarder portkey warden", t, " "); split("#888888 #2b8cbe #41ab5d #fd8d3c #7b3294", color, " ")
      for (i = 1; i <= n; i++) for (j = 1; j <= 5; j++) { k = order[i] SUBSEP t[j]
        if (cnt[k] && cpu[k] / cnt[k] > maxcpu) maxcpu = cpu[k] / cnt[k] }
      if (maxcpu <= 0) maxcpu = 1
      row = 110; lw = 250; pw = 300; width = lw + 2 * pw + 60; height = 70 + n * row + 30
      printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", width, height
      printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      printf "<text x=\"%d\" y=\"20\" font-weight=\"bold\">Throughput (share of direct) at c=32</text>\n", lw
      printf "<text x=\"%d\" y=\"20\" font-weight=\"bold\">CPU per request (µs) at c=32</text>\n", lw + pw + 30
      for (j = 1; j <= 5; j++) printf "<rect x=\"%d\" y=\"32\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"41\">%s</text>\n", lw + (j - 1) * 110, color[j], lw + (j - 1) * 110 + 14, t[j]
      for (i = 1; i <= n; i++) {
        y0 = 60 + (i - 1) * row; d = order[i] SUBSEP "direct"; base = cnt[d] ? rps[d] / cnt[d] : 0
        printf "<text x=\"5\" y=\"%d\">%s</text>\n", y0 + row / 2, order[i]
        for (j = 1; j <= 5; j++) { k = order[i] SUBSEP t[j]; y = y0 + (j - 1) * 19
          if (!cnt[k]) { printf "<text x=\"%d\" y=\"%d\" fill=\"#888\">%s: not run</text>\n", lw, y + 13, t[j]; continue }
          share = base > 0 ? (rps[k] / cnt[k]) / base : 0; c = cpu[k] / cnt[k]
          printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"15\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%.3f× (%.0f rps)</text>\n", lw, y, (share > 1 ? 1 : share) * (pw - 90), color[j], lw + (share > 1 ? 1 : share) * (pw - 90) + 4, y + 12, share, rps[k] / cnt[k]
          printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"15\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%.0f</text>\n", lw + pw + 30, y, c / maxcpu * (pw - 60), color[j], lw + pw + 30 + c / maxcpu * (pw - 60) + 4, y + 12, c }
      }
      printf "</svg>\n"
    }' "$RAW"
}

mkdir -p "$(dirname "$RESULTS")"
CHART="${RESULTS%.md}.svg"
chart > "$CHART"
report | tee "$RESULTS"
say "bench: written to $RESULTS and $CHART"
