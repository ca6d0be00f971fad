"""What bench/lib.sh's status_load writes, read back: counts by status, duration, socket errors, p99."""


def wrk(path):
    out = {"status": {}, "duration_us": 1, "socket_errors": 0, "p99_ms": 0.0}
    for line in open(path, errors="replace"):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "status":
            out["status"][int(parts[1])] = out["status"].get(int(parts[1]), 0) + int(parts[2])
        elif len(parts) == 2 and parts[0] in ("duration_us", "socket_errors"):
            out[parts[0]] = int(parts[1])
        elif len(parts) == 2 and parts[0] == "p99_ms":
            out["p99_ms"] = float(parts[1])
    return out


def pct(values, p):
    """The p-th percentile (nearest rank) of values, NaN when there are none."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]
