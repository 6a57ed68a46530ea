-- wrk script for bench/units.sh: counts responses that are not 2xx (wrk itself only counts
-- status >= 400, so a 303 to /login would go unnoticed) and prints one parseable line:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E socket_errors=F
-- Extra request headers (the session cookie) come from wrk's -H option.

-- For a POST, the environment gives the method, body and type: WRK_METHOD, WRK_BODY, WRK_CONTENT_TYPE.
local method = os.getenv("WRK_METHOD")
if method and method ~= "" then
   wrk.method = method
   wrk.body = os.getenv("WRK_BODY") or ""
   wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   non2xx = 0
   first_bad = ""
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if first_bad == "" then
         first_bad = tostring(status) .. " " .. tostring(headers["Location"] or headers["location"] or "")
      end
   end
end

function done(summary, latency, requests)
   local bad, first = 0, ""
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non2xx") or 0)
      local f = t:get("first_bad")
      if first == "" and f and f ~= "" then first = f end
   end
   local e = summary.errors
   local socket_errors = e.connect + e.read + e.write + e.timeout
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, bad, socket_errors))
   if first ~= "" then
      io.write("FIRST_NON2XX " .. first .. "\n")
   end
end
