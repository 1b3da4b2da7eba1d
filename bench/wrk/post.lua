-- POSTs the body in $BENCH_BODY (a file) to the URL given to wrk; headers come from wrk -H.
-- Each thread stops after $BENCH_MAX_REQUESTS / threads responses, so a run is bounded in requests as well as
-- time. done() prints one machine-readable line for bench/run.sh.
local body_file = assert(os.getenv("BENCH_BODY"), "BENCH_BODY is not set")
local f = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()

local max_total = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "1000000")
local threads = {}
local per_thread = max_total

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  per_thread = math.ceil(max_total / n)
  responses = 0
end

function response(status, headers, body)
  responses = responses + 1
  if responses >= per_thread then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT %d %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
