-- wrk script: GET /kv/key-<i>, cycling over BENCH_KEYS keys a PUT run wrote (see kv-common.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kv-common.lua").install("GET")
