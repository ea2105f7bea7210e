-- wrk script: GET a rotating list of paths (one per line in PATHS_FILE), each thread
-- starting at its own offset so that connections do not ask for the same document at once.
-- usage: wrk -s paths.lua URL -- PATHS_FILE [ACCEPT]

local counter = 0
function setup(thread)
   counter = counter + 1
   thread:set("thread_no", counter)
end

local paths = {}
local i = 0
local accept = nil

function init(args)
   for line in io.lines(args[1]) do
      if #line > 0 then paths[#paths + 1] = line end
   end
   accept = args[2]
   -- spread the threads over the list
   i = math.floor(((thread_no or 1) - 1) * #paths / 2)
end

function request()
   i = i % #paths + 1
   if accept then
      return wrk.format("GET", paths[i], { ["Accept"] = accept })
   end
   return wrk.format("GET", paths[i])
end

dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
