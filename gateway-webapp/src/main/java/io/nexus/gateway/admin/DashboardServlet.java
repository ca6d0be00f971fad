package io.nexus.gateway.admin;

import io.nexus.gateway.error.ErrorResponses;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin dashboard's static files ({@code /ui/}): read from the classpath once, served from
 * memory with a strict Content-Security-Policy. Only the files listed here exist, so no request
 * path ever reaches the class loader or the file system. The pages call the admin API and
 * {@code /metrics} by relative URLs, so the same files work at the admin connector's root and
 * under the WAR's prefix.
 */
final class DashboardServlet extends HttpServlet {

    /*
     * No inline script or style can run, nothing loads from another origin, the page cannot be
     * framed (clickjacking a rollback button) and forms post nowhere; the scripts only fetch
     * their own origin's API.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final String RESOURCES = "/io/nexus/gateway/admin/dashboard/";
    private static final List<String> FILES = List.of(
        "index.html", "style.css", "favicon.svg",
        "app.js", "api.js", "dom.js", "page.js", "format.js", "status.js", "confirm.js", "signin.js", "metrics.js", "chart.js",
        "overview.js", "routes.js", "upstreams.js", "config.js");

    private final transient Map<String, Asset> assets = load();

    /** One file: its bytes and media type. */
    private record Asset(byte[] bytes, String contentType) {
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!AdminMethods.requireRead(request, response, "/ui/")) {
            return;
        }
        String path = request.getPathInfo();
        if (path == null) {
            // "/ui" itself: the pages' relative URLs need the trailing slash.
            response.setStatus(302);
            response.setHeader("Location", request.getRequestURI() + "/");
            return;
        }
        Asset asset = assets.get(path.equals("/") ? "index.html" : path.substring(1));
        if (asset == null) {
            ErrorResponses.send(response, 404, "not_found", "admin_endpoint_not_found", "no dashboard file " + path);
            return;
        }
        response.setStatus(200);
        response.setContentType(asset.contentType());
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Frame-Options", "DENY");
        // Revalidated on every load, so an upgraded gateway never runs an older script.
        response.setHeader("Cache-Control", "no-cache");
        response.setContentLength(asset.bytes().length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(asset.bytes());
        }
    }

    private static Map<String, Asset> load() {
        Map<String, Asset> assets = new LinkedHashMap<>();
        for (String file : FILES) {
            try (InputStream in = DashboardServlet.class.getResourceAsStream(RESOURCES + file)) {
                if (in == null) {
                    throw new IllegalStateException("the dashboard file " + RESOURCES + file + " is missing from the build");
                }
                assets.put(file, new Asset(in.readAllBytes(), contentType(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.copyOf(assets);
    }

    private static String contentType(String file) {
        String extension = file.substring(file.lastIndexOf('.') + 1);
        return switch (extension) {
            case "html" -> "text/html;charset=utf-8";
            case "css" -> "text/css;charset=utf-8";
            case "js" -> "text/javascript;charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> throw new IllegalArgumentException("no media type for " + file);
        };
    }
}
