package bench.jetty;

import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The stock Jetty reverse proxy: an embedded Jetty 12.1.14 server with ee10
 * {@link AsyncProxyServlet.Transparent} forwarding every path to one upstream. Nothing tuned:
 * default QueuedThreadPool, default connector, default HttpClient of the servlet.
 *
 * <pre>java -jar jetty-proxy-baseline.jar PORT UPSTREAM_URL [--virtual-threads]</pre>
 *
 * With --virtual-threads the server's thread pool runs its tasks on virtual threads
 * (QueuedThreadPool#setVirtualThreadsExecutor, the way Jetty documents it).
 */
public final class JettyProxyBaseline {

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java -jar jetty-proxy-baseline.jar PORT UPSTREAM_URL [--virtual-threads]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String upstream = args[1];
        boolean virtual = args.length > 2 && args[2].equals("--virtual-threads");

        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("proxy");
        if (virtual) {
            VirtualThreadPool vtp = new VirtualThreadPool();
            vtp.setName("proxy-vt");
            pool.setVirtualThreadsExecutor(vtp);
        }
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder proxy = new ServletHolder(AsyncProxyServlet.Transparent.class);
        proxy.setInitParameter("proxyTo", upstream);
        proxy.setAsyncSupported(true);
        context.addServlet(proxy, "/*");
        server.setHandler(context);

        server.start();
        System.out.println("jetty-proxy-baseline on 127.0.0.1:" + port + " -> " + upstream
                + (virtual ? " (virtual threads)" : " (QueuedThreadPool)"));
        server.join();
    }
}
