package io.nexus.gateway.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The local pre-check of a cluster limit: keys Redis refused, with the time until which it
 * would refuse them anyway, so that a client hammering past its limit costs no round trip.
 *
 * <p>Exact, not a guess: Redis's answer says how long until one more request fits if nothing
 * else is counted meanwhile, and other gateways can only count more. The wait is measured from
 * when the call was sent, before Redis decided, so an entry never outlives the refusal.
 *
 * <p>Bounded like the limiter: striped maps in insertion order, the oldest entry dropped beyond
 * each stripe's share of {@code maxKeys} (losing one only costs a round trip).
 */
final class DeniedKeys {

    private static final int SHARDS = 16;

    private final Shard[] shards = new Shard[SHARDS];

    DeniedKeys(int maxKeys) {
        int perShard = Math.max(1, maxKeys / SHARDS);
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard(perShard);
        }
    }

    /** Nanoseconds {@code key} stays refused after {@code now}; 0 when Redis should decide. */
    long remainingNanos(String key, long now) {
        Shard shard = shard(key);
        synchronized (shard) {
            Long until = shard.get(key);
            if (until == null) {
                return 0;
            }
            long remaining = until - now;
            if (remaining <= 0) {
                shard.remove(key);
                return 0;
            }
            return remaining;
        }
    }

    void deny(String key, long until) {
        Shard shard = shard(key);
        synchronized (shard) {
            shard.put(key, until);
        }
    }

    private Shard shard(String key) {
        return shards[(key.hashCode() * 0x9E3779B9) >>> 28];
    }

    /** Keys of one stripe, oldest first; guarded by its own monitor. */
    private static final class Shard extends LinkedHashMap<String, Long> {
        private final int capacity;

        Shard(int capacity) {
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > capacity;
        }
    }
}
