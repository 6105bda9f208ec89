-- POST /api/v1/points/{id}/charge {"amount":1} for a random user in 1..USERS.
local users = tonumber(os.getenv("USERS") or "1000")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"amount":1}'

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  return wrk.format(nil, "/api/v1/points/" .. math.random(1, users) .. "/charge")
end
