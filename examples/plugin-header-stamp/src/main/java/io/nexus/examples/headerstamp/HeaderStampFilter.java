package io.nexus.examples.headerstamp;

import io.nexus.examples.headerstamp.HeaderStampPlugin.Settings;
import io.nexus.examples.headerstamp.HeaderStampPlugin.Side;
import io.nexus.gateway.spi.PluginCounter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/** The stamp of one route: the settings were checked when the config was loaded, so nothing is checked here. */
final class HeaderStampFilter implements Filter {

    private final Settings settings;
    private final PluginCounter stamped;

    HeaderStampFilter(Settings settings, PluginCounter stamped) {
        this.settings = settings;
        this.stamped = stamped;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (settings.on().contains(Side.RESPONSE)) {
            // Set before the upstream answers: the gateway adds the upstream's headers to it,
            // so an upstream header of the same name is added, not replaced.
            ((HttpServletResponse) response).setHeader(settings.header(), settings.value());
        }
        ServletRequest forwarded = settings.on().contains(Side.REQUEST)
            ? new StampedRequest((HttpServletRequest) request, settings.header(), settings.value())
            : request;
        stamped.increment();
        chain.doFilter(forwarded, response);
    }

    /** The client's request with the header replaced: a client's own copy never reaches the upstream. */
    private static final class StampedRequest extends HttpServletRequestWrapper {
        private final String header;
        private final String value;

        StampedRequest(HttpServletRequest request, String header, String value) {
            super(request);
            this.header = header;
            this.value = value;
        }

        @Override
        public String getHeader(String name) {
            return header.equalsIgnoreCase(name) ? value : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return header.equalsIgnoreCase(name) ? Collections.enumeration(List.of(value)) : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>();
            for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements(); ) {
                String name = e.nextElement();
                if (!header.equalsIgnoreCase(name)) {
                    names.add(name);
                }
            }
            names.add(header);
            return Collections.enumeration(names);
        }
    }
}
