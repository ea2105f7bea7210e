-- wrk script for the soak run (bench/soak.py): every request is drawn from a weighted mix of
-- request kinds, and each answer's latency and status are recorded per kind.
-- usage: wrk -t C -c C -s soak.lua URL -- PLAN_FILE [SEED]
--
-- Run with as many threads as connections (-t C -c C): each thread then has one connection,
-- whose requests and answers strictly alternate, so request() can start the clock and
-- response() stop it for the same request (wrk itself tells no script which request an answer
-- belongs to).  Socket errors and timeouts get no response() call: they are the kind's
-- "sent - answered" and wrk's own error counts.
--
-- PLAN_FILE, tab-separated, one entry a line:
--   K <kind> <weight> <class>                        a request kind and its share of the mix
--   R <kind> <METHOD> <path> <accept> [<body file>]  one request of that kind (one is drawn at random)
-- done() prints one line "SOAKJSON {...}": per kind sent, answered, statuses and latency
-- percentiles (microseconds), wrk's own totals, and up to 20 unexpected 5xx with their request.

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
   int clock_gettime(int clk_id, soak_timespec *tp);
]]
local ts = ffi.new("soak_timespec")
local function now_us()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
local counter = 0
function setup(thread)
   counter = counter + 1
   thread:set("thread_no", counter)
   threads[#threads + 1] = thread
end

local function split(line)
   local out = {}
   for field in (line .. "\t"):gmatch("([^\t]*)\t") do out[#out + 1] = field end
   return out
end

local kinds = {}       -- { name, weight, class, index, reqs = { {raw, line}, ... } }
local by_name = {}
local total_weight = 0
local current = nil    -- kind of the request in flight on this thread's connection
local current_path = nil
local started = 0

-- per thread, read back by done() through thread:get.  Flat tables only: wrk 4.1's
-- thread:get crashes on nested tables.
names = {}             -- kind index -> name
classes = {}           -- kind index -> class
sent = {}              -- kind index -> requests sent
lat = {}               -- answer i: latency (us)
kid = {}               -- answer i: kind index
code = {}              -- answer i: HTTP status
bad = {}               -- unexpected 5xx: "kind status METHOD path"

function init(args)
   for line in io.lines(args[1]) do
      local f = split(line)
      if f[1] == "K" then
         local k = { name = f[2], weight = tonumber(f[3]), class = f[4], reqs = {}, index = #names + 1 }
         names[k.index], classes[k.index], sent[k.index] = k.name, k.class, 0
         kinds[#kinds + 1] = k
         by_name[k.name] = k
      elseif f[1] == "R" then
         local k = assert(by_name[f[2]], "request of an undeclared kind " .. f[2])
         local headers = {}
         if f[5] and #f[5] > 0 then headers["Accept"] = f[5] end
         local body = nil
         if f[6] and #f[6] > 0 then
            local fh = assert(io.open(f[6], "rb"))
            body = fh:read("*a")
            fh:close()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
         end
         k.reqs[#k.reqs + 1] = { raw = wrk.format(f[3], f[4], headers, body), line = f[3] .. " " .. f[4] }
      end
   end
   local usable = {}
   for _, k in ipairs(kinds) do
      if #k.reqs > 0 and k.weight > 0 then
         usable[#usable + 1] = k
         total_weight = total_weight + k.weight
      end
   end
   kinds = usable
   math.randomseed((tonumber(args[2]) or 42) * 1000 + (thread_no or 1))
end

local function pick()
   local r = math.random() * total_weight
   for _, k in ipairs(kinds) do
      r = r - k.weight
      if r <= 0 then return k end
   end
   return kinds[#kinds]
end

function request()
   local k = pick()
   local req = k.reqs[math.random(#k.reqs)]
   current, current_path = k, req.line
   sent[k.index] = sent[k.index] + 1
   started = now_us()
   return req.raw
end

function response(status, headers, body)
   local k = current
   if k == nil then return end
   local us = now_us() - started
   local n = #lat + 1
   lat[n], kid[n], code[n] = math.floor(us + 0.5), k.index, status
   if status >= 500 and not (status == 503 and k.class == "expensive") and #bad < 20 then
      bad[#bad + 1] = k.name .. " " .. status .. " " .. current_path
   end
   current = nil
end

local function pct(sorted, p)
   if #sorted == 0 then return 0 end
   local i = math.ceil(p / 100 * #sorted)
   if i < 1 then i = 1 end
   return sorted[i]
end

local function json_str(s)
   return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
   local merged = {}
   local order = {}
   local bads = {}
   for _, t in ipairs(threads) do
      local t_names, t_sent = t:get("names"), t:get("sent")
      local t_lat, t_kid, t_code = t:get("lat"), t:get("kid"), t:get("code")
      for i, name in ipairs(t_names) do
         if merged[name] == nil then
            merged[name] = { sent = 0, answered = 0, status = {}, lat = {} }
            order[#order + 1] = name
         end
         merged[name].sent = merged[name].sent + t_sent[i]
      end
      for i, us in ipairs(t_lat) do
         local m = merged[t_names[t_kid[i]]]
         m.answered = m.answered + 1
         m.lat[#m.lat + 1] = us
         local c = tostring(t_code[i])
         m.status[c] = (m.status[c] or 0) + 1
      end
      for _, b in ipairs(t:get("bad")) do
         if #bads < 20 then bads[#bads + 1] = b end
      end
   end
   table.sort(order)
   local parts = {}
   for _, name in ipairs(order) do
      local m = merged[name]
      table.sort(m.lat)
      local sum = 0
      for _, us in ipairs(m.lat) do sum = sum + us end
      local codes = {}
      for code, n in pairs(m.status) do codes[#codes + 1] = string.format('"%s":%d', code, n) end
      parts[#parts + 1] = string.format(
         '%s:{"sent":%d,"answered":%d,"status":{%s},"p50":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}',
         json_str(name), m.sent, m.answered, table.concat(codes, ","),
         pct(m.lat, 50), pct(m.lat, 99), pct(m.lat, 99.9), m.lat[#m.lat] or 0,
         #m.lat > 0 and sum / #m.lat or 0)
   end
   local bad_json = {}
   for _, b in ipairs(bads) do bad_json[#bad_json + 1] = json_str(b) end
   local e = summary.errors
   io.write(string.format(
      'SOAKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"kinds":{%s},"bad":[%s]}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","), table.concat(bad_json, ",")))
end
