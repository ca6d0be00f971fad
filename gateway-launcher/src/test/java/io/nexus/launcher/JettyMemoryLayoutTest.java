package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

class JettyMemoryLayoutTest {

    /** The value Jetty's MemoryUtils computes when the property is not set: through the MBean server. */
    @Test
    void presetsWhatJettyWouldComputeAndLeavesAnOperatorsValue() throws Exception {
        String before = System.getProperty(JettyMemoryLayout.REFERENCES_PER_CACHE_LINE);
        try {
            System.clearProperty(JettyMemoryLayout.REFERENCES_PER_CACHE_LINE);
            JettyMemoryLayout.preset();

            CompositeData option = (CompositeData) ManagementFactory.getPlatformMBeanServer().invoke(
                ObjectName.getInstance("com.sun.management:type=HotSpotDiagnostic"), "getVMOption",
                new Object[] {"UseCompressedOops"}, new String[] {String.class.getName()});
            int longsPerCacheLine = 64 >> 3;
            int jettys = longsPerCacheLine * (Boolean.parseBoolean((String) option.get("value")) ? 2 : 1);
            assertThat(System.getProperty(JettyMemoryLayout.REFERENCES_PER_CACHE_LINE)).isEqualTo(String.valueOf(jettys));

            System.setProperty(JettyMemoryLayout.REFERENCES_PER_CACHE_LINE, "4");
            JettyMemoryLayout.preset();
            assertThat(System.getProperty(JettyMemoryLayout.REFERENCES_PER_CACHE_LINE)).isEqualTo("4");
        } finally {
            if (before == null) {
                System.clearProperty(JettyMemoryLayout.REFERENCES_PER_CACHE_LINE);
            } else {
                System.setProperty(JettyMemoryLayout.REFERENCES_PER_CACHE_LINE, before);
            }
        }
    }
}
