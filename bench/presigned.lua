-- presigned.lua — wrk script replaying pre-signed v1 URLs (one nonce each).
-- Each thread takes every Nth line of $PRESIGNED_FILE (N = $WRK_THREADS, offset = thread id),
-- so no URL is sent twice until a thread runs out; after that it wraps around and the server
-- answers 400 SignatureNonceUsed, which wrk reports as "Non-2xx or 3xx responses".
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local paths = {}
local idx = 0

function init(args)
  local n = tonumber(os.getenv("WRK_THREADS") or "1")
  local file = os.getenv("PRESIGNED_FILE")
  local i = 0
  for line in io.lines(file) do
    if (i % n) == (tid - 1) then paths[#paths + 1] = line end
    i = i + 1
  end
end

function request()
  idx = idx + 1
  if idx > #paths then idx = 1 end
  return wrk.format("GET", paths[idx])
end
