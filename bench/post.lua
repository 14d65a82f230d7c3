-- wrk script for bench/run.sh: POST a small JSON body (the Lambda Invoke API
-- row), then report.lua's BENCH line. wrk takes one -s script, so this one
-- loads report.lua from its own directory.
wrk.method = "POST"
wrk.body = '{"rawPath":"/hello","requestContext":{"http":{"method":"GET"}}}'
wrk.headers["Content-Type"] = "application/json"

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
