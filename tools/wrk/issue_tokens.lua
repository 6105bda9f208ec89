-- The coupon storm with a bearer token per user (tools/bench_auth.sh):
-- POST /api/v1/coupons/{COUPON}/issue {"userId"} with that user's token.
-- USERS is a file of "<userId> <token>" lines; thread t of THREADS (match
-- wrk -t) takes lines t+1, t+1+THREADS, ..., each once (then starts over,
-- which answers 409 and shows as Non-2xx: give it enough users).
local coupon = os.getenv("COUPON") or "1"
local users_path = os.getenv("USERS")
local step = tonumber(os.getenv("THREADS") or "2")
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  users = {}
  local i = 0
  for line in io.lines(users_path) do
    if i % step == offset then
      local id, token = line:match("^(%d+) (%S+)$")
      users[#users + 1] = { id, "Bearer " .. token }
    end
    i = i + 1
  end
  next_index = 1
  path = "/api/v1/coupons/" .. coupon .. "/issue"
end

function request()
  local u = users[next_index]
  next_index = next_index % #users + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/json", ["Authorization"] = u[2] },
    '{"userId":' .. u[1] .. '}')
end
