package io.nexus.gateway.proxy;

import io.nexus.gateway.exchange.Grpc;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;

/**
 * Trailer fields both ways (RFC 9110 §6.5): the client's after its body to the upstream, the
 * upstream's after its body to the client. gRPC ends every call with them ({@code grpc-status},
 * {@code grpc-message}). Jetty's proxy servlet relays neither, and drops {@code TE} as a
 * hop-by-hop header; {@code TE: trailers} goes on, since it says the client takes trailers
 * (RFC 9110 §10.1.4), and gRPC servers expect it.
 */
final class Trailers {

    private static final String TRAILERS = "trailers";

    private Trailers() {
    }

    /** Whether the client said it accepts trailers ({@code TE: trailers}). */
    static boolean accepted(HttpServletRequest clientRequest) {
        String te = clientRequest.getHeader(HttpHeader.TE.asString());
        return te != null && te.toLowerCase(Locale.ROOT).contains(TRAILERS);
    }

    /**
     * Forwards {@code TE: trailers} when the client sent it, and has the client's trailer fields
     * (read once its body ended) follow the body upstream.
     */
    static void forwardRequest(HttpServletRequest clientRequest, Request proxyRequest, boolean hasBody) {
        if (accepted(clientRequest)) {
            proxyRequest.headers(headers -> headers.put(HttpHeader.TE, TRAILERS));
        }
        // Over HTTP/1.1 a body of declared length has no trailers (they come only after a chunked
        // body), and a trailer supplier would make the upstream request chunked, dropping its
        // Content-Length: such a body keeps its length. HTTP/2 bodies may end with trailers either way.
        String protocol = clientRequest.getProtocol();
        boolean mayHaveTrailers = protocol.startsWith("HTTP/2") || (clientRequest.getContentLengthLong() < 0 && !protocol.equals("HTTP/1.0"));
        if (hasBody && mayHaveTrailers) {
            proxyRequest.trailersSupplier(() -> clientTrailers(clientRequest));
        }
    }

    private static HttpFields clientTrailers(HttpServletRequest clientRequest) {
        if (!clientRequest.isTrailerFieldsReady()) {
            return null;
        }
        Map<String, String> fields = clientRequest.getTrailerFields();
        if (fields.isEmpty()) {
            return null;
        }
        HttpFields.Mutable trailers = HttpFields.build(fields.size());
        fields.forEach(trailers::add);
        return trailers;
    }

    /**
     * Before the response commits: when the upstream's response may end with trailers (it is
     * gRPC, came over HTTP/2, where trailers need no announcement, announced them, or the
     * client asked for them), the client's response ends
     * with the upstream's, as it received them. Not for an HTTP/1.0 client, which has no way to
     * carry them.
     */
    static void forwardResponse(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse, boolean grpc) {
        if (clientRequest.getProtocol().equals("HTTP/1.0")) {
            return;
        }
        if (trailersOnly(serverResponse)) {
            return;
        }
        if (grpc || serverResponse.getVersion() == HttpVersion.HTTP_2 || serverResponse.getHeaders().contains(HttpHeader.TRAILER)
            || accepted(clientRequest)) {
            proxyResponse.setTrailerFields(upstreamTrailers(serverResponse));
        }
    }

    /**
     * A gRPC "trailers-only" response: the upstream ended the call in its response head
     * ({@code grpc-status} there, HEADERS with END_STREAM). It must reach the client the same
     * way: a head flushed on its own, or trailers announced after it, would end the stream with
     * an empty DATA frame, which gRPC clients take for a broken call (INTERNAL).
     */
    static boolean trailersOnly(Response serverResponse) {
        return serverResponse.getHeaders().contains(Grpc.STATUS);
    }

    private static Supplier<Map<String, String>> upstreamTrailers(Response serverResponse) {
        return () -> {
            HttpFields trailers = serverResponse.getTrailers();
            if (trailers == null || trailers.size() == 0) {
                return Map.of();
            }
            Map<String, String> fields = new LinkedHashMap<>(trailers.size() * 2);
            for (HttpField field : trailers) {
                // Repeated names are joined, as HTTP allows for list-valued fields (RFC 9110 §5.3).
                fields.merge(field.getLowerCaseName(), field.getValue(), (a, b) -> a + ", " + b);
            }
            return fields;
        };
    }
}
