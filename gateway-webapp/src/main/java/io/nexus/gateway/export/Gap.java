package io.nexus.gateway.export;

/**
 * A setting the other data plane cannot express, or only approximately: the export command
 * prints each on stderr so that nobody switches without knowing what is lost.
 *
 * @param key where the setting is, as in config errors ({@code routes[2].auth})
 * @param what what happens to it in the export
 */
public record Gap(String key, String what) {

    @Override
    public String toString() {
        return key + ": " + what;
    }
}
