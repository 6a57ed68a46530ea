-- wrk script for the benchmarks: counts responses that are not 2xx (wrk itself only counts
-- status >= 400, so a 303 to /login would go unnoticed) and prints one parseable line:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E socket_errors=F
-- Extra request headers (a session cookie) may come from wrk's -H option.
--
-- Everything else comes from the environment (unset: a fixed request, built once):
--   WRK_METHOD, WRK_BODY, WRK_CONTENT_TYPE  a POST (or other method) with this body and type
--   WRK_COOKIES=FILE      one session token a line; thread i (1-based) sends line i as its
--                         `anjian_session` cookie, so with `-t N -c N` each connection has its own session;
--   WRK_ROTATE=1          with WRK_COOKIES: each request takes the next session of the file in turn
--                         (one wrk thread can then carry N sessions over N connections)
--   WRK_VARY=NAME         every request's URL gets `&NAME=<run>-<n>` (or `?…`): a different URL each
--                         time, so a cache keyed by the URL never answers; WRK_RUN names the run
--   WRK_PHOTO=FILE        POST a multipart form with this JPEG as `files`, plus the form fields in
--   WRK_FORM=FILE         (lines `name=value`); each request's photo differs from every other one in
--                         three values of its first quantisation table (WRK_SEQ: the first number
--                         used), so every photo decodes to different pixels and is stored anew

local function env(name)
   local v = os.getenv(name)
   if v == nil or v == "" then return nil end
   return v
end

local function read_file(path)
   local f = assert(io.open(path, "rb"))
   local data = f:read("*a")
   f:close()
   return data
end

local method = env("WRK_METHOD")
if method then
   wrk.method = method
   wrk.body = os.getenv("WRK_BODY") or ""
   wrk.headers["Content-Type"] = env("WRK_CONTENT_TYPE") or "application/json"
end

local threads = {}
local counter = 0

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_index", #threads)
end

-- Per request: a varying URL, or a varying photo.
local vary = env("WRK_VARY")
local photo_path = env("WRK_PHOTO")
local photo, dqt, form_head, form_tail, boundary

if photo_path then
   photo = read_file(photo_path)
   -- The first DQT segment (FF DB, length, Pq/Tq, 64 values): vary its values 1..3 (the lowest AC
   -- frequencies, non-zero in nearly every block of a photo).
   local at = photo:find("\255\219", 1, true)
   assert(at, "WRK_PHOTO: no quantisation table (not a baseline JPEG?)")
   assert(photo:byte(at + 4) == 0, "WRK_PHOTO: the first quantisation table must have 8-bit values")
   dqt = at + 5 -- index (1-based) of the table's first value
   boundary = "----anjianbench" .. tostring(os.time())
   local parts = {}
   local form_path = env("WRK_FORM")
   assert(form_path, "WRK_PHOTO needs WRK_FORM")
   for line in io.lines(form_path) do
      local k, v = line:match("^([^=]+)=(.*)$")
      if k then
         table.insert(parts, "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. k .. "\"\r\n\r\n" .. v .. "\r\n")
      end
   end
   table.insert(parts, "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"IMG_0001.jpg\"\r\n"
      .. "Content-Type: image/jpeg\r\n\r\n")
   form_head = table.concat(parts)
   form_tail = "\r\n--" .. boundary .. "--\r\n"
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
end

local rotate = env("WRK_ROTATE") == "1"
local cookies = {}

function init(args)
   non2xx = 0
   first_bad = ""
   local file = env("WRK_COOKIES")
   if file then
      for line in io.lines(file) do
         if line ~= "" then table.insert(cookies, line) end
      end
      assert(#cookies > 0, "WRK_COOKIES: no session in " .. file)
      if not rotate then
         local mine = cookies[thread_index]
         assert(mine, "WRK_COOKIES: no session for thread " .. tostring(thread_index) .. " (one line per thread)")
         wrk.headers["Cookie"] = "anjian_session=" .. mine
      end
   end
   counter = tonumber(env("WRK_SEQ") or "0") + (thread_index - 1) * 100000
end

if rotate or vary or photo then
   local run = env("WRK_RUN") or tostring(os.time())
   local turn = 0
   function request()
      local path, body = nil, nil
      if rotate then
         turn = turn % #cookies + 1
         wrk.headers["Cookie"] = "anjian_session=" .. cookies[turn]
      end
      if vary then
         counter = counter + 1
         local sep = wrk.path:find("?", 1, true) and "&" or "?"
         path = wrk.path .. sep .. vary .. "=" .. run .. "-" .. counter
      elseif photo then
         local n = counter
         counter = counter + 1
         local a, b, c = n % 32, math.floor(n / 32) % 32, math.floor(n / 1024) % 32
         local t = dqt
         local varied = photo:sub(1, t)
            .. string.char(math.min(255, photo:byte(t + 1) + a), math.min(255, photo:byte(t + 2) + b), math.min(255, photo:byte(t + 3) + c))
            .. photo:sub(t + 4)
         body = form_head .. varied .. form_tail
      end
      return wrk.format(nil, path, nil, body)
   end
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
