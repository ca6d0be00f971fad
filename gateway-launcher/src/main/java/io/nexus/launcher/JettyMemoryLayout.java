package io.nexus.launcher;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Tells Jetty's {@code MemoryUtils} how many references fit in a cache line before it asks.
 * Asked, it looks up {@code UseCompressedOops} through the platform MBean server, which starts
 * the server and registers every platform MBean: ~40 ms of a one-CPU start-up, on the way to
 * ready (docs/performance.md, "Start-up on one CPU"). The HotSpot bean gives the same answer directly.
 */
final class JettyMemoryLayout {

    static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";
    private static final String CACHE_LINE_BYTES = "org.eclipse.jetty.util.cacheLineBytes";

    private JettyMemoryLayout() {
    }

    /** Sets the property, as Jetty would compute it, unless it is set; before any Jetty class needs it. */
    static void preset() {
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) != null) {
            return;
        }
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            boolean compressed = Boolean.parseBoolean(hotspot.getVMOption("UseCompressedOops").getValue());
            int cacheLineBytes = Integer.getInteger(CACHE_LINE_BYTES, 64);
            System.setProperty(REFERENCES_PER_CACHE_LINE, String.valueOf(cacheLineBytes / (compressed ? 4 : 8)));
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot: Jetty finds out for itself.
        }
    }
}
