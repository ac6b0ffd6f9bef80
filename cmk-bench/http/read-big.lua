-- GET a random prefilled 1 MiB object b0..b(N-1) (see common.lua)
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require "common"
function request()
  local a = accounts[math.random(1, #accounts)]
  return wrk.format("GET", "/v1/accounts/" .. a .. "/content/chat-message/b" .. math.random(0, readIds - 1), headers, nil)
end
