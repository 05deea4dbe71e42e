-- wrk calls done() once, after the run: print its summary as one JSON line for the harness
-- (../../lib/tcp-measurement.mjs). Errors: connect, read, write, timeout, and status (responses
-- that were not 2xx or 3xx).
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationMicros":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"latencyMicros":{"p50":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
