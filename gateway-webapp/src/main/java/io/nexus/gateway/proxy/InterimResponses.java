package io.nexus.gateway.proxy;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an interim (1xx) response to a client. Servlet 6.0 has no API for it; Jetty's own
 * response has ({@code org.eclipse.jetty.server.Response#writeInterim}). In the WAR, Jetty hides
 * its server classes from the webapp, and the webapp's bundled copies of {@code jetty-http} are
 * other classes than the server's, so the server's types are reached through the class loader of
 * the response object itself: one code path for the launcher and any Jetty 12 installation.
 * The handles are looked up once per class loader; where the container is not Jetty 12, interim
 * responses are dropped (logged once).
 */
final class InterimResponses {

    private static final Logger LOG = LoggerFactory.getLogger(InterimResponses.class);
    private static final Map<ClassLoader, Writer> WRITERS = new ConcurrentHashMap<>();

    private InterimResponses() {
    }

    /**
     * Writes a {@code status} interim response with {@code fields} (name, value pairs) before
     * the final one; does nothing once the response is committed.
     *
     * @return whether it was handed to the container
     */
    static boolean write(ServletResponse response, int status, List<String[]> fields) {
        ServletResponse inner = response;
        while (inner instanceof ServletResponseWrapper wrapper) {
            inner = wrapper.getResponse();
        }
        if (inner.isCommitted()) {
            return false;
        }
        Class<?> type = inner.getClass();
        Writer writer = WRITERS.computeIfAbsent(type.getClassLoader() == null ? ClassLoader.getPlatformClassLoader() : type.getClassLoader(),
            loader -> Writer.lookup(type));
        return writer != null && writer.write(inner, status, fields);
    }

    /** The container's handles: its servlet response to its core response, fields, and {@code writeInterim}. */
    private record Writer(MethodHandle coreResponse, MethodHandle newFields, MethodHandle addField, MethodHandle writeInterim) {

        static Writer lookup(Class<?> servletResponseType) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                ClassLoader loader = servletResponseType.getClassLoader();
                Class<?> core = Class.forName("org.eclipse.jetty.server.Response", false, loader);
                Class<?> fields = Class.forName("org.eclipse.jetty.http.HttpFields", false, loader);
                Class<?> mutable = Class.forName("org.eclipse.jetty.http.HttpFields$Mutable", false, loader);
                return new Writer(
                    lookup.findVirtual(servletResponseType, "getResponse", MethodType.methodType(core)),
                    lookup.findStatic(fields, "build", MethodType.methodType(mutable)),
                    lookup.findVirtual(mutable, "add", MethodType.methodType(mutable, String.class, String.class)),
                    lookup.findVirtual(core, "writeInterim", MethodType.methodType(java.util.concurrent.CompletableFuture.class, int.class, fields)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warn("This container offers no interim responses ({}): 103 Early Hints from upstreams are dropped", e.toString());
                return null;
            }
        }

        boolean write(Object servletResponse, int status, List<String[]> pairs) {
            try {
                Object fields = newFields.invoke();
                for (String[] pair : pairs) {
                    addField.invoke(fields, pair[0], pair[1]);
                }
                writeInterim.invoke(coreResponse.invoke(servletResponse), status, fields);
                return true;
            } catch (Throwable e) {
                LOG.debug("Could not write a {} interim response", status, e);
                return false;
            }
        }
    }
}
