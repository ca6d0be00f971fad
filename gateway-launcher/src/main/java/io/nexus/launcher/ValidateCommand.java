package io.nexus.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.ConfigProblem;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code java -jar nexus-gateway.jar validate --config FILE [--against URL]}: the check a reload
 * would make, for CI before a deploy. Without {@code --against} the file is validated here;
 * with it, also sent to a running gateway's {@code POST /api/v1/config/validate} (its admin URL,
 * the token from {@code NEXUS_ADMIN_TOKEN}), whose unified diff against its live version goes
 * to stdout. Nothing is applied anywhere. Exit codes: {@value #VALID} valid, {@value #INVALID}
 * invalid (the problems on stderr, one a line, with file, line and key), {@value #USAGE} bad
 * arguments or an unreadable file, {@value #UNREACHABLE} the gateway could not be asked (down,
 * wrong token, not a Nexus admin port).
 */
final class ValidateCommand {

    static final int VALID = 0;
    static final int INVALID = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    static final String TOKEN_VARIABLE = "NEXUS_ADMIN_TOKEN";
    private static final String USAGE_LINE = "usage: java -jar nexus-gateway.jar validate --config FILE [--against ADMIN_URL]";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ValidateCommand() {
    }

    /** Runs the command; returns its exit code. */
    static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        Path file = null;
        String against = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--config" -> file = value == null ? null : Path.of(value);
                case "--against" -> against = value;
                default -> {
                    err.println("nexus validate: unknown argument " + args[i] + "\n" + USAGE_LINE);
                    return USAGE;
                }
            }
            if (value == null) {
                err.println("nexus validate: " + args[i] + " needs a value\n" + USAGE_LINE);
                return USAGE;
            }
            i++;
        }
        if (file == null) {
            err.println("nexus validate: --config is required\n" + USAGE_LINE);
            return USAGE;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("nexus validate: cannot read " + file + ": " + e.getMessage());
            return USAGE;
        }
        try {
            new ConfigLoader(environment, BuiltInMiddlewares.registry().names()).parse(text, file.toString());
        } catch (InvalidConfigException e) {
            for (ConfigProblem problem : e.problems()) {
                err.println(problem);
            }
            err.println("nexus validate: " + file + " is not valid (" + e.problems().size() + " problems)");
            return INVALID;
        }
        if (against == null) {
            out.println("nexus validate: " + file + " is valid");
            return VALID;
        }
        return askGateway(against, text, environment.get(TOKEN_VARIABLE), out, err);
    }

    /** The running gateway's verdict and diff; its own environment resolves {@code ${?VAR}}. */
    private static int askGateway(String adminUrl, String text, String token, PrintStream out, PrintStream err) {
        URI endpoint;
        try {
            endpoint = URI.create(adminUrl.replaceAll("/+$", "") + "/api/v1/config/validate");
        } catch (IllegalArgumentException e) {
            err.println("nexus validate: bad --against URL " + adminUrl);
            return USAGE;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
            .header("Content-Type", "application/hocon; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8));
        if (token != null && !token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        JsonNode body;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            body = new ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            err.println("nexus validate: could not ask " + endpoint + ": " + e);
            return UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNREACHABLE;
        }
        if (response.statusCode() == 200 && body.path("valid").asBoolean()) {
            String diff = body.path("diff").asText();
            out.print(diff);
            err.println("nexus validate: valid against " + adminUrl + (diff.isEmpty() ? "; no difference from the live version" : "; the diff is on stdout"));
            return VALID;
        }
        if (response.statusCode() == 422) {
            // The admin API's refusal: {"error": {..., "problems": [{"key", "file", "line", "text"}]}}.
            for (JsonNode problem : body.path("error").path("problems")) {
                err.println(problem.path("text").asText());
            }
            err.println("nexus validate: " + adminUrl + " refuses it: " + body.path("error").path("message").asText());
            return INVALID;
        }
        err.println("nexus validate: " + endpoint + " answered " + response.statusCode() + ": " + body.path("error").path("message").asText(response.body()));
        return UNREACHABLE;
    }
}
