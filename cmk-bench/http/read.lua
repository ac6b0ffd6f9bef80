-- GET a random prefilled object per request (see common.lua for the environment)
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require "common"
request = readRequest
