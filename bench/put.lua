-- wrk script: PUT /kv/<unique key> with a BENCH_VALUE_SIZE-byte body (see kv-common.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kv-common.lua").install("PUT")
