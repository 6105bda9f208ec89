-- POST /api/v1/coupons/{COUPON}/issue for distinct users: thread t of
-- THREADS (match wrk -t) asks for users 1+t, 1+t+THREADS, ... (each once).
-- ASYNC=1 sends "Prefer: respond-async" (the waiting room: 202 answers).
local coupon = os.getenv("COUPON") or "1"
local step = tonumber(os.getenv("THREADS") or "2")
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  next_user = 1 + offset
  path = "/api/v1/coupons/" .. coupon .. "/issue"
  headers = { ["Content-Type"] = "application/json" }
  if os.getenv("ASYNC") == "1" then headers["Prefer"] = "respond-async" end
end

function request()
  local user = next_user
  next_user = next_user + step
  return wrk.format("POST", path, headers, '{"userId":' .. user .. '}')
end
