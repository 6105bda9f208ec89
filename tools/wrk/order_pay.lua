-- POST /api/v1/orders {"userId":U,"items":[{"productId":P,"quantity":1}],"pay":true}:
-- place and pay in one step, random user in 1..USERS, product in 1..PRODUCTS.
local users = tonumber(os.getenv("USERS") or "1000")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local counter = 0

function setup(thread)
  thread:set("seed", 7919 * (counter + 1))
  counter = counter + 1
end

function init(args)
  math.randomseed(seed)
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  local body = '{"userId":' .. math.random(1, users) .. ',"items":[{"productId":' ..
               math.random(1, products) .. ',"quantity":1}],"pay":true}'
  return wrk.format("POST", "/api/v1/orders", headers, body)
end

-- Print the first few non-2xx answers, so a failed run says why.
local shown = 0
function response(status, headers, body)
  if status >= 300 and shown < 5 then
    shown = shown + 1
    io.stderr:write("order_pay.lua: " .. status .. " " .. body .. "\n")
  end
end
