-- POST /api/v1/users: fills a fresh server with users for the charge run.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench"}'
