-- One request of one key against a sliding-window counter: SlidingWindowLimiter's algorithm,
-- run inside Redis so that every gateway counts into the same state, atomically.
-- KEYS[1]: the key's hash {i = window index, p = previous count, c = current count}
-- ARGV[1]: the window in microseconds; ARGV[2]: the limit.
-- The time is the server's, so the gateways' clocks never matter.
-- Returns {1, remaining} when the request was counted, {0, previous, current, elapsed} when not.
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local index = math.floor(now / window)
local elapsed = now - index * window
local state = redis.call('HMGET', KEYS[1], 'i', 'p', 'c')
local last = tonumber(state[1])
local previous, current = 0, 0
if last == index then
  previous, current = tonumber(state[2]), tonumber(state[3])
elseif last == index - 1 then
  previous = tonumber(state[3])
end
-- The previous window's share is rounded down, as in SlidingWindowLimiter.weighted.
local estimate = math.floor(previous * ((window - elapsed) / window)) + current
if estimate + 1 > limit then
  return {0, previous, current, elapsed}
end
redis.call('HSET', KEYS[1], 'i', index, 'p', previous, 'c', current + 1)
-- Idle until the next window ends, both counts would be zero: the key can go.
redis.call('PEXPIRE', KEYS[1], math.ceil((2 * window - elapsed) / 1000))
return {1, limit - estimate - 1}
