-- Shared wrk logic for put.lua and get.lua (loaded with dofile; wrk takes one script).
--
-- Settings come from environment variables, because wrk hands script arguments
-- only to the per-thread init(), not to setup() or done():
--   BENCH_TARGETS     comma-separated host:port list; thread i sends to target i mod n
--                     (default: the host and port of wrk's URL)
--   BENCH_VALUE_SIZE  PUT body size in bytes (default 100)
--   BENCH_KEYS        if set, keys cycle through key-0 .. key-(BENCH_KEYS-1), so a later
--                     GET run finds them; otherwise every PUT writes a fresh unique key
--   BENCH_QUERY       optional query string without '?', e.g. "w=3"
--   BENCH_STATUS      "1" (default) counts answers per status class in response();
--                     "0" skips it (wrk then does not parse headers: slightly cheaper)
--
-- done() prints one line "BENCH_RESULT {json}" with latencies in microseconds, because
-- wrk's own summary has no p90 and no breakdown of statuses.

local M = {}

local function env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

local function split_targets(s)
  local out = {}
  for host, port in string.gmatch(s, "([^,:]+):(%d+)") do
    table.insert(out, { host = host, port = port })
  end
  return out
end

function M.install(method)
  local threads = {}
  local addrs = {}

  function setup(thread)
    local n = #threads + 1
    if #addrs == 0 then
      local spec = env("BENCH_TARGETS", "")
      local targets = split_targets(spec)
      if #targets == 0 then
        targets = { { host = wrk.host, port = tostring(wrk.port or 80) } }
      end
      for _, t in ipairs(targets) do
        local found = wrk.lookup(t.host, t.port)
        if found == nil or #found == 0 then
          error("cannot resolve " .. t.host .. ":" .. t.port)
        end
        table.insert(addrs, found[1])
      end
    end
    thread.addr = addrs[((n - 1) % #addrs) + 1]
    thread:set("tid", n)
    -- a per-run prefix keeps keys of repeated runs apart without coordination
    thread:set("run", env("BENCH_RUN_ID", tostring(os.time())))
    table.insert(threads, thread)
  end

  function init(args)
    counter = 0
    c2, c3, c4, c5, cother = 0, 0, 0, 0, 0
    nthreads = tonumber(env("BENCH_THREADS", "1"))
    keys = tonumber(env("BENCH_KEYS", "0"))
    local query = env("BENCH_QUERY", "")
    suffix = (query ~= "") and ("?" .. query) or ""
    local size = tonumber(env("BENCH_VALUE_SIZE", "100"))
    -- a fixed pseudo-random printable value, so storage compression gains nothing unreal
    math.randomseed(tid * 7919)
    local chars = {}
    for i = 1, size do
      chars[i] = string.char(97 + math.random(0, 25))
    end
    body = (method == "PUT") and table.concat(chars) or nil
    headers = { ["Content-Type"] = "application/octet-stream" }
    if method ~= "PUT" then headers = {} end
    if env("BENCH_STATUS", "1") == "0" then response = nil end
  end

  function request()
    local key
    if keys > 0 then
      -- threads interleave over the key space, so together they cover every key
      key = "key-" .. ((tid - 1 + nthreads * counter) % keys)
    else
      key = "b" .. run .. "-" .. tid .. "-" .. counter
    end
    counter = counter + 1
    return wrk.format(method, "/kv/" .. key .. suffix, headers, body)
  end

  function response(status, hdrs, resp_body)
    if status < 300 then
      if status >= 200 then c2 = c2 + 1 else cother = cother + 1 end
    elseif status < 400 then c3 = c3 + 1
    elseif status < 500 then c4 = c4 + 1
    elseif status < 600 then c5 = c5 + 1
    else cother = cother + 1 end
  end

  function done(summary, latency, requests)
    local s2, s3, s4, s5, so = 0, 0, 0, 0, 0
    for _, t in ipairs(threads) do
      s2 = s2 + (t:get("c2") or 0)
      s3 = s3 + (t:get("c3") or 0)
      s4 = s4 + (t:get("c4") or 0)
      s5 = s5 + (t:get("c5") or 0)
      so = so + (t:get("cother") or 0)
    end
    local e = summary.errors
    local counted = env("BENCH_STATUS", "1") ~= "0"
    local secs = summary.duration / 1e6
    local fields = {
      string.format('"method":"%s"', method),
      string.format('"requests":%d', summary.requests),
      string.format('"duration_s":%.3f', secs),
      string.format('"rps":%.1f', summary.requests / secs),
      string.format('"p50_us":%d', latency:percentile(50)),
      string.format('"p90_us":%d', latency:percentile(90)),
      string.format('"p99_us":%d', latency:percentile(99)),
      string.format('"max_us":%d', latency.max),
      string.format('"mean_us":%.1f', latency.mean),
      -- wrk's own count: every answer with status > 399
      string.format('"status_errors":%d', e.status),
      string.format('"socket_errors":%d', e.connect + e.read + e.write + e.timeout),
      string.format('"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d}',
        e.connect, e.read, e.write, e.timeout),
      string.format('"status_classes_counted":%s', tostring(counted)),
      string.format('"status":{"2xx":%d,"3xx":%d,"4xx":%d,"5xx":%d,"other":%d}', s2, s3, s4, s5, so),
      -- without the per-class counts, wrk's status > 399 count is the best non-2xx figure
      string.format('"non2xx":%d', counted and (s3 + s4 + s5 + so) or e.status),
      string.format('"targets":%d', #addrs),
      string.format('"threads":%d', #threads),
    }
    io.write("BENCH_RESULT {" .. table.concat(fields, ",") .. "}\n")
  end
end

return M
