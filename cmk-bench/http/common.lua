-- Shared by the CMK HTTP load scripts (wrk 4.x). Environment:
--   BENCH_TOKEN     a service token for chat (all accounts)
--   BENCH_ACCOUNTS  comma-separated account ids the requests spread over (round robin)
--   BENCH_SIZE      body size in bytes (writes)
--   BENCH_PREFIX    object-id prefix of this run's writes (unique per run)
--   BENCH_READ_IDS  how many prefilled objects p0..p(N-1) each account has (reads)
--   BENCH_WRITE_PCT share of writes in the mixed script (0-100)
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  accounts = {}
  for a in string.gmatch(os.getenv("BENCH_ACCOUNTS"), "[^,]+") do
    table.insert(accounts, a)
  end
  token = os.getenv("BENCH_TOKEN")
  prefix = os.getenv("BENCH_PREFIX") or "w"
  readIds = tonumber(os.getenv("BENCH_READ_IDS") or "1")
  writePct = tonumber(os.getenv("BENCH_WRITE_PCT") or "20")
  local size = tonumber(os.getenv("BENCH_SIZE") or "1024")
  local chunk = ""
  for i = 1, 256 do
    chunk = chunk .. string.char(math.random(0, 255))
  end
  body = string.rep(chunk, math.ceil(size / 256)):sub(1, size)
  counter = 0
  math.randomseed(os.time() + tid * 7919)
  headers = { ["Authorization"] = "Bearer " .. token, ["X-CMK-User"] = "alice",
              ["Content-Type"] = "application/octet-stream" }
end

function writeRequest()
  counter = counter + 1
  local a = accounts[(counter + tid) % #accounts + 1]
  local path = "/v1/accounts/" .. a .. "/content/chat-message/" .. prefix .. "-" .. tid .. "-" .. counter
  return wrk.format("PUT", path, headers, body)
end

function readRequest()
  local a = accounts[math.random(1, #accounts)]
  local path = "/v1/accounts/" .. a .. "/content/chat-message/p" .. math.random(0, readIds - 1)
  return wrk.format("GET", path, headers, nil)
end
