package io.nexus.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nexus.gateway.config.ConfigProblem;
import io.nexus.gateway.reload.ConfigVersion;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON bodies of the admin API. */
final class AdminJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AdminJson() {
    }

    static void write(HttpServletResponse response, int status, Object body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        JSON.writeValue(response.getOutputStream(), body);
    }

    /** A version without its content: what lists show. */
    static Map<String, Object> summary(ConfigVersion version) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", version.id());
        json.put("applied_at", version.appliedAt().toString());
        json.put("source", version.source());
        json.put("restored_from", version.restoredFrom().orElse(null));
        json.put("sha256", version.sha256());
        version.reason().ifPresent(reason -> json.put("reason", reason));
        return json;
    }

    /** A version with its redacted content. */
    static Map<String, Object> full(ConfigVersion version) {
        Map<String, Object> json = summary(version);
        json.put("config", version.redacted());
        return json;
    }

    /** The contract's error object, with the problems that refused a config. */
    static Map<String, Object> refusal(String message, List<ConfigProblem> problems) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("status", 422);
        error.put("code", "invalid_config");
        error.put("cause", "config_refused");
        error.put("message", message);
        error.put("request_id", null);
        error.put("problems", problems.stream().map(p -> {
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("key", p.key());
            problem.put("message", p.message());
            problem.put("file", p.file());
            problem.put("line", p.line());
            problem.put("text", p.toString());
            return problem;
        }).toList());
        return Map.of("error", error);
    }
}
