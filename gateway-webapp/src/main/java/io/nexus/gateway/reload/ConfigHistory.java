package io.nexus.gateway.reload;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/** Applied versions, newest first, at most {@code max-history} of them: the oldest is evicted. */
final class ConfigHistory {

    private final Deque<ConfigVersion> versions = new ArrayDeque<>();

    synchronized void add(ConfigVersion version, int maxHistory) {
        versions.addFirst(version);
        while (versions.size() > maxHistory) {
            versions.removeLast();
        }
    }

    synchronized List<ConfigVersion> newestFirst() {
        return List.copyOf(versions);
    }

    synchronized ConfigVersion current() {
        return versions.getFirst();
    }

    synchronized Optional<ConfigVersion> find(int id) {
        return versions.stream().filter(v -> v.id() == id).findFirst();
    }

    /** The version applied just before {@code version}, if still kept. */
    synchronized Optional<ConfigVersion> before(ConfigVersion version) {
        List<ConfigVersion> list = new ArrayList<>(versions);
        int index = list.indexOf(version);
        return index >= 0 && index + 1 < list.size() ? Optional.of(list.get(index + 1)) : Optional.empty();
    }
}
