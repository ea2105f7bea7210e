-- wrk script: POST one SPARQL query on every request, form-encoded (SPARQL 1.1 Protocol).
-- usage: wrk -s sparql.lua URL -- BODY_FILE ACCEPT
-- BODY_FILE holds the url-encoded form body ("query=..."); ACCEPT the result media type.
-- done() prints one line "WRKJSON {...}" that bench/wrk.py reads.

function init(args)
   local f = assert(io.open(args[1], "rb"))
   wrk.body = f:read("*a")
   f:close()
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Accept"] = args[2]
end

dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
