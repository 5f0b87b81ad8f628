-- wrk script for the receiver benchmark: every request is a different,
-- correctly signed and encrypted push, read from a file that
-- `cargo bench --bench receiver` writes (one push per line: path TAB body).
--
--   wrk -t2 -c16 -d10s --latency -s benches/wrk/push.lua http://127.0.0.1:PORT -- pushes.tsv 2
--
-- Each wrk thread takes every n-th line, so no two threads send the same push.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  local file, threads = args[1], tonumber(args[2] or "1")
  pushes = {}
  local line_no = 0
  for line in io.lines(file) do
    if line_no % threads == id then
      local tab = string.find(line, "\t", 1, true)
      pushes[#pushes + 1] = wrk.format("POST", string.sub(line, 1, tab - 1),
        { ["Content-Type"] = "application/json" }, string.sub(line, tab + 1))
    end
    line_no = line_no + 1
  end
  sent = 0
end

-- Past the end of its share a thread starts over: those pushes are
-- redeliveries, which the receiver still commits (as a delivery count).
function request()
  sent = sent + 1
  return pushes[(sent - 1) % #pushes + 1]
end

refused = 0

function response(status, headers, body)
  if status ~= 200 or body ~= "success" then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("refused") or 0)
  end
  io.write(string.format("not acknowledged: %d\n", total))
end
