-- wrk script: GET one query, made new on every request (never asked before: a cache must miss).
-- usage: wrk -s cold.lua URL -- PATH_FILE ACCEPT TAG
-- PATH_FILE holds one line, "/endpoint?query=<url-encoded query>"; each request appends an
-- url-encoded "\n# cold TAG <thread> <n>" comment to it, which is part of every cache key.

local counter = 0
function setup(thread)
   counter = counter + 1
   thread:set("thread_no", counter)
end

local base, accept, tag = nil, nil, nil
local n = 0

function init(args)
   for line in io.lines(args[1]) do
      if #line > 0 then base = line; break end
   end
   accept = args[2]
   tag = args[3]
end

function request()
   n = n + 1
   local path = base .. "%0A%23%20cold%20" .. tag .. "%20" .. (thread_no or 0) .. "%20" .. n
   return wrk.format("GET", path, { ["Accept"] = accept })
end

dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
