package io.nexus.gateway.admin;

import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.reload.ConfigValidation;
import io.nexus.gateway.reload.ConfigVersion;
import io.nexus.gateway.reload.ReloadResult;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/v1/config...}: the live config, its versions, diffs between them, validation of a
 * proposed config, reload and rollback. Contents are always the redacted rendering; the raw text never leaves the process.
 */
final class ConfigApi {

    private static final int MAX_VALIDATE_BODY = 1 << 20;

    private final ConfigPlane plane;

    ConfigApi(ConfigPlane plane) {
        this.plane = plane;
    }

    /** @param path below {@code /api/v1/config}, e.g. {@code ""}, {@code /versions/3} */
    void handle(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        String method = request.getMethod();
        if (path.isEmpty() || path.equals("/")) {
            if (AdminMethods.requireRead(request, response, "/api/v1/config" + path)) {
                AdminJson.write(response, 200, AdminJson.full(plane.current()));
            }
        } else if (path.equals("/versions")) {
            if (AdminMethods.requireRead(request, response, "/api/v1/config" + path)) {
                AdminJson.write(response, 200, Map.of("current", plane.current().id(),
                    "versions", plane.versions().stream().map(AdminJson::summary).toList()));
            }
        } else if (path.startsWith("/versions/")) {
            if (AdminMethods.requireRead(request, response, "/api/v1/config" + path)) {
                Optional<ConfigVersion> version = version(response, path.substring("/versions/".length()));
                if (version.isPresent()) {
                    AdminJson.write(response, 200, AdminJson.full(version.get()));
                }
            }
        } else if (path.equals("/diff")) {
            if (AdminMethods.requireRead(request, response, "/api/v1/config" + path)) {
                diff(request, response);
            }
        } else if (path.equals("/reload")) {
            if (requirePost(method, response)) {
                answer(response, plane.reloadFromFile("true".equals(request.getParameter("force"))));
            }
        } else if (path.equals("/validate")) {
            if (requirePost(method, response)) {
                validate(request, response);
            }
        } else if (path.equals("/rollback")) {
            if (requirePost(method, response)) {
                rollback(request, response);
            }
        } else {
            ErrorResponses.send(response, 404, "not_found", "admin_endpoint_not_found", "no admin endpoint /api/v1/config" + path);
        }
    }

    private void diff(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String toParam = request.getParameter("to");
        Optional<ConfigVersion> to = toParam == null ? Optional.of(plane.current()) : version(response, toParam);
        if (to.isEmpty()) {
            return;
        }
        String fromParam = request.getParameter("from");
        Optional<ConfigVersion> from;
        if (fromParam == null) {
            from = plane.previous(to.get());
            if (from.isEmpty()) {
                ErrorResponses.send(response, 404, "not_found", "version_not_found", "no version before " + to.get().id() + " is kept; name one with from=ID");
                return;
            }
        } else {
            from = version(response, fromParam);
            if (from.isEmpty()) {
                return;
            }
        }
        response.setStatus(200);
        response.setContentType("text/x-diff;charset=utf-8");
        response.getOutputStream().write(ConfigPlane.diff(from.get(), to.get()).getBytes(StandardCharsets.UTF_8));
    }

    /** A proposed config (the body; none: the file on disk) checked and diffed, nothing applied. */
    private void validate(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = request.getInputStream().readNBytes(MAX_VALIDATE_BODY + 1);
        if (body.length > MAX_VALIDATE_BODY) {
            ErrorResponses.send(response, 413, "payload_too_large", "config_too_large", "a config to validate is at most 1 MiB");
            return;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        ConfigValidation result = plane.validate(text.isBlank() ? Optional.empty() : Optional.of(text));
        if (!result.valid()) {
            AdminJson.write(response, 422, AdminJson.refusal("the config is not valid; nothing was applied", result.problems()));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("valid", true);
        answer.put("diff", result.diff());
        AdminJson.write(response, 200, answer);
    }

    private void rollback(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String to = request.getParameter("to");
        Integer id = parseId(to);
        if (id == null) {
            ErrorResponses.send(response, 400, "bad_request", "missing_version", "rollback needs ?to=<version id>");
            return;
        }
        Optional<ReloadResult> result = plane.rollback(id);
        if (result.isEmpty()) {
            ErrorResponses.send(response, 404, "not_found", "version_not_found", "no version " + id + " in the history");
            return;
        }
        answer(response, result.get());
    }

    private static void answer(HttpServletResponse response, ReloadResult result) throws IOException {
        if (result.outcome() == ReloadResult.Outcome.REFUSED) {
            AdminJson.write(response, 422, AdminJson.refusal("the config was refused; version " + result.version().id() + " stays live",
                result.problems()));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("result", result.outcome().name().toLowerCase());
        body.put("version", AdminJson.summary(result.version()));
        AdminJson.write(response, 200, body);
    }

    private Optional<ConfigVersion> version(HttpServletResponse response, String idText) throws IOException {
        Integer id = parseId(idText);
        Optional<ConfigVersion> version = id == null ? Optional.empty() : plane.version(id);
        if (version.isEmpty()) {
            ErrorResponses.send(response, 404, "not_found", "version_not_found", "no version " + idText + " in the history");
        }
        return version;
    }

    private static Integer parseId(String text) {
        if (text == null || text.isEmpty() || text.length() > 9 || !text.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Integer.parseInt(text);
    }

    private static boolean requirePost(String method, HttpServletResponse response) throws IOException {
        if (method.equals("POST")) {
            return true;
        }
        ErrorResponses.send(response, 405, "method_not_allowed", "method_not_allowed", "this endpoint answers POST");
        return false;
    }
}
