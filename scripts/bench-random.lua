-- wrk script for scripts/bench: each request fetches /v1/tags for a repository drawn at random from
-- REGISTRY/PREFIX00001 ... REGISTRY/PREFIXnnnnn (five digits at least).
-- Usage: wrk ... -s scripts/bench-random.lua URL -- REGISTRY PREFIX COUNT

local registry, prefix, count

function init(args)
    registry = args[1]
    prefix = args[2]
    count = tonumber(args[3])
    -- Each wrk thread runs init in its own Lua state; distinct seeds keep the threads from drawing one sequence.
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003)
end

function request()
    local path = string.format("/v1/tags?reference=%s/%s%05d", registry, prefix, math.random(1, count))
    return wrk.format("GET", path)
end
