package io.nexus.gateway.admin;

import io.nexus.gateway.error.ErrorResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The admin surface's method check: {@code HEAD} works wherever {@code GET} does (docs/admin-api.md). */
final class AdminMethods {

    private AdminMethods() {
    }

    static boolean isRead(HttpServletRequest request) {
        String method = request.getMethod();
        return "GET".equals(method) || "HEAD".equals(method);
    }

    /**
     * Whether the request reads ({@code GET} or {@code HEAD}); anything else is answered 405.
     *
     * @param endpoint the path the 405's message names, e.g. {@code /api/v1/routes}
     */
    static boolean requireRead(HttpServletRequest request, HttpServletResponse response, String endpoint) throws IOException {
        if (isRead(request)) {
            return true;
        }
        ErrorResponses.send(response, 405, "method_not_allowed", "method_not_allowed", endpoint + " answers GET");
        return false;
    }
}
