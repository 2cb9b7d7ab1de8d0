-- GET PREFIX .. <a random id of IDS_FILE> .. SUFFIX, with a bearer key taken in turn from KEYS_FILE.
-- Usage: wrk ... -s customer_ids.lua URL -- IDS_FILE KEYS_FILE PREFIX [SUFFIX]
-- One key per client, as separate client apps would hold: no key nears the per-key rate limit.
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"

local threads = {}
function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

local function lines(path)
  local found = {}
  for line in io.lines(path) do
    if #line > 0 then table.insert(found, line) end
  end
  return found
end

function init(args)
  ids = lines(args[1])
  keys = lines(args[2])
  prefix = args[3]
  suffix = args[4] or ""
  math.randomseed(os.time() + 7919 * (thread_number or 0))
  counter = thread_number or 0
end

function request()
  counter = counter + 1
  local key = keys[counter % #keys + 1]
  local id = ids[math.random(#ids)]
  return wrk.format("GET", prefix .. id .. suffix, {["Authorization"] = "Bearer " .. key})
end
