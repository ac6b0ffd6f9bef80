-- BENCH_WRITE_PCT % writes, the rest reads of prefilled objects (see common.lua)
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require "common"
function request()
  if math.random(1, 100) <= writePct then
    return writeRequest()
  end
  return readRequest()
end
