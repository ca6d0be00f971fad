package io.nexus.gateway.lifecycle;

import jakarta.servlet.ServletContext;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain delay in a WAR: when Jetty stops gracefully (a stop timeout, the {@code graceful}
 * module), readiness turns 503 and the gateway goes on serving for
 * {@code nexus.server.shutdown.drain-delay} before Jetty stops accepting, as the launcher does.
 *
 * <p>Jetty's graceful stop calls {@code Graceful.shutdown()} on every graceful component of the
 * server, innermost first and one after the other, before it stops any connector. A graceful
 * bean on the webapp's own context therefore runs before the connectors are told to stop, and
 * holding its call for the delay keeps them accepting. The server's {@code Graceful} interface
 * is hidden from the webapp (its bundled jetty-util is another copy), so the bean is a proxy of
 * the server's interface, added to the context through the container's objects, reflectively,
 * as {@code InterimResponses} reaches the core response. Outside Jetty 12 nothing is installed
 * (logged): there is no drain delay then.
 */
final class WarDrain implements InvocationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(WarDrain.class);

    private final Gateway gateway;
    private volatile boolean drained;

    private WarDrain(Gateway gateway) {
        this.gateway = gateway;
    }

    /** Adds the drain to the Jetty context behind {@code context}; false outside Jetty 12. */
    static boolean install(ServletContext context, Gateway gateway) {
        try {
            Object scoped = context.getClass().getMethod("getContext").invoke(context);
            Object handler = scoped.getClass().getMethod("getServletContextHandler").invoke(scoped);
            ClassLoader server = handler.getClass().getClassLoader();
            Class<?> graceful = Class.forName("org.eclipse.jetty.util.component.Graceful", false, server);
            Object bean = Proxy.newProxyInstance(server, new Class<?>[] {graceful}, new WarDrain(gateway));
            handler.getClass().getMethod("addBean", Object.class).invoke(handler, bean);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("No drain delay in this container (not Jetty 12: {}); take the instance out of the load balancer before stopping it",
                e.toString());
            return false;
        }
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws InterruptedException {
        return switch (method.getName()) {
            case "shutdown" -> drain();
            case "isShutdown" -> drained;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "NexusDrain@" + Integer.toHexString(System.identityHashCode(proxy));
            default -> throw new UnsupportedOperationException(method.getName());
        };
    }

    /** Runs on Jetty's stopping thread: holds it for the live config's drain delay. */
    private CompletableFuture<Void> drain() throws InterruptedException {
        Duration delay = gateway.config().shutdown().drainDelay();
        gateway.startDraining();
        if (!delay.isZero()) {
            Thread.sleep(delay.toMillis());
        }
        LOG.info("Drain delay of {} ms over; Jetty now stops accepting and waits for {} requests in flight", delay.toMillis(),
            gateway.admission().inflight());
        drained = true;
        return CompletableFuture.completedFuture(null);
    }
}
