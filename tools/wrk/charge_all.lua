-- POST /api/v1/points/{id}/charge {"amount":10000000} for users 1, 2, 3, ...
-- once each (THREADS = wrk -t); fills every account to the default limit.
local step = tonumber(os.getenv("THREADS") or "2")
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  next_user = 1 + offset
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  local user = next_user
  next_user = next_user + step
  return wrk.format("POST", "/api/v1/points/" .. user .. "/charge", headers, '{"amount":10000000}')
end
