# Shared by bench/run.sh and bench/ab.sh (sourced, not run): messages, a temporary folder whose processes are all
# stopped and which is removed on exit, an overall time limit, free ports, and CPU and memory readings from /proc.

say() { printf '%s\n' "$*" >&2; }

# bench_guard LIMIT: creates WORK (a fresh folder under /tmp) and PIDS (processes to stop), and makes sure that on
# exit, Ctrl+C or after LIMIT seconds every process in PIDS is stopped and WORK is removed.
bench_guard() {
  local limit=$1
  WORK=$(mktemp -d /tmp/warden-bench.XXXXXX)
  PIDS=()
  WATCHDOG=""
  trap bench_cleanup EXIT
  trap 'say "bench: interrupted"; exit 130' INT TERM
  # The watchdog's own sleep is ended with it, so nothing outlives the run.
  (
    sleep "$limit" & sleeper=$!
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    wait "$sleeper"
    say "bench: time limit of ${limit}s reached, stopping"
    kill -TERM $$
  ) 2>/dev/null &
  WATCHDOG=$!
}

bench_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$status"
}

# free_port: a TCP port nothing listens on yet.
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 20000))
    if ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then echo "$port"; return; fi
  done
  say "bench: no free port found"; return 1
}

# wait_for_line FILE PATTERN SECONDS: prints the first matching line.
wait_for_line() {
  local file=$1 pattern=$2 deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  say "bench: timed out waiting for '$pattern' in $file:"; cat "$file" >&2; return 1
}

# CPU time of processes in clock ticks (utime + stime, fields 14 and 15 of /proc/PID/stat).
ticks() {
  local total=0 pid t
  for pid in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# Resident memory (VmRSS) of processes in kB.
rss_kb() {
  local total=0 pid r
  for pid in "$@"; do
    r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || r=0
    total=$((total + ${r:-0}))
  done
  echo "$total"
}

# jit_ticks PID...: CPU ticks so far of every ".NET Tiered Com(pilation)" thread, as "pid/tid ticks" lines.
jit_ticks() {
  local pid task
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      [ "$(cat "$task/comm" 2>/dev/null)" = ".NET Tiered Com" ] || continue
      echo "$pid/${task##*/} $(sed 's/^.*) //' "$task/stat" 2>/dev/null | awk '{print $12 + $13}')"
    done
  done
}

# jit_delta BEFORE AFTER: ticks the tiering threads spent between two jit_ticks snapshots (new threads count whole).
jit_delta() {
  awk 'NR == FNR { before[$1] = $2; next } { d += $2 - ($1 in before ? before[$1] : 0) } END { print d + 0 }' \
    <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

# configure_warden DLL DATA SIM_PORT CHAT_MODELS ANTHROPIC_MODELS: sets a (running) Warden's data folder up for a
# benchmark and prints the client key: a key restricted to both model lists, the demo channel removed, and two channels
# to the simulator: bench-chat (OpenAI-compatible) for CHAT_MODELS and bench-anthropic (the simulator-anthropic
# profile) for ANTHROPIC_MODELS. The simulator's key is read from BENCH_SIM_KEY.
configure_warden() {
  local cli=(dotnet "$1") data=$2 sim_port=$3 chat_models=$4 anthropic_models=$5
  "${cli[@]}" keys create --name bench --models "$chat_models,$anthropic_models" --data "$data" | awk '/^Key:/ {print $2}'
  # Builds since issue 18 create no demo channel when started with --no-simulator: nothing to remove there.
  "${cli[@]}" channels remove demo-simulator --data "$data" >/dev/null 2>&1 || true
  "${cli[@]}" channels add --name bench-chat --provider simulator --base-url "http://127.0.0.1:$sim_port/v1/" \
    --models "$chat_models" --credential-env BENCH_SIM_KEY --allow-private-network --data "$data" >/dev/null
  "${cli[@]}" channels add --name bench-anthropic --provider simulator-anthropic --base-url "http://127.0.0.1:$sim_port/v1/" \
    --models "$anthropic_models" --credential-env BENCH_SIM_KEY --allow-private-network --data "$data" >/dev/null
}

# wrk_post URL BODY CONC DURATION MAX_REQUESTS [HEADER...]: one wrk run POSTing the file BODY (bench/wrk/post.lua),
# bounded in time (DURATION seconds, plus a timeout) and in requests; prints wrk's output, whose WRKRESULT line has
# the counts and latencies. Never fails: a broken run shows as output without that line.
wrk_post() {
  local url=$1 body=$2 conc=$3 duration=$4 max=$5 threads=1 args=() h
  shift 5
  [ "$conc" -ge 2 ] && threads=2
  for h in "$@"; do args+=(-H "$h"); done
  BENCH_BODY=$body BENCH_THREADS=$threads BENCH_MAX_REQUESTS=$max \
    timeout $((duration + 20)) wrk -t"$threads" -c"$conc" -d"${duration}s" --timeout 10s \
    -s "$(dirname "${BASH_SOURCE[0]}")/wrk/post.lua" "${args[@]}" "$url" 2>&1 || true
}

# post_code URL BODY [HEADER...]: POSTs the file BODY once and prints the HTTP status (000 when nothing answered);
# the answer is kept in $WORK/probe.out for error messages.
post_code() {
  local url=$1 body=$2 args=() h
  shift 2
  for h in "$@"; do args+=(-H "$h"); done
  curl -s -o "$WORK/probe.out" -w '%{http_code}' --max-time 10 "${args[@]}" --data-binary "@$body" "$url" || echo 000
}
