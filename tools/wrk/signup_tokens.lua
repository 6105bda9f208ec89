-- POST /api/v1/users with one bearer token per user (tools/bench_auth.sh):
-- thread t of THREADS (match wrk -t) signs up the users of lines t+1,
-- t+1+THREADS, ... of TOKENS, named "bench-<line>", each once, and writes
-- "<userId> <line>" for each answer to OUT.<t> (so the storm knows whose
-- token is whose). When its lines run out a thread asks for /healthz.
local tokens_path = os.getenv("TOKENS")
local step = tonumber(os.getenv("THREADS") or "2")
local out_prefix = os.getenv("OUT")
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  tokens = {}
  local i = 0
  for line in io.lines(tokens_path) do
    if i % step == offset then tokens[#tokens + 1] = { i + 1, line } end
    i = i + 1
  end
  next_index = 1
  out = io.open(out_prefix .. "." .. offset, "w")
end

function request()
  local entry = tokens[next_index]
  if entry == nil then return wrk.format("GET", "/healthz") end
  next_index = next_index + 1
  return wrk.format("POST", "/api/v1/users",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. entry[2] },
    '{"name":"bench-' .. entry[1] .. '"}')
end

function response(status, headers, body)
  local user = body:match('"userId":(%d+)')
  local line = body:match('"name":"bench%-(%d+)"')
  if user and line then
    out:write(user, " ", line, "\n")
    out:flush()
  end
end
