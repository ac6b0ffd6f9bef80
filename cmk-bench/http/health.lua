-- GET /v1/health: the HTTP server's ceiling on this machine
request = function() return wrk.format("GET", "/v1/health") end
