-- POST /api/v1/admin/products: fills a fresh server with products that never run out.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "bench")
wrk.body = '{"name":"bench","price":100,"stock":1000000000}'
