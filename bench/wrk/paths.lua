-- GET each path of a file in turn (one path a line); each wrk thread starts at its own offset.
-- Usage: wrk ... -s paths.lua URL -- PATHS_FILE
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"

local threads = {}
function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  index = ((thread_number or 0) * 97) % #paths
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end
