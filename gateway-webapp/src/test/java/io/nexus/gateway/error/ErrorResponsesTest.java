package io.nexus.gateway.error;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorResponsesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static String text(int status, String code, String cause, String message, String requestId) {
        return new String(ErrorResponses.body(status, code, cause, message, requestId), StandardCharsets.UTF_8);
    }

    @Test
    void theBodyHasTheContractsShapeAndFieldOrder() {
        assertThat(text(503, "overloaded", "concurrency_limit", "too many concurrent requests", "3f2c-1"))
            .isEqualTo("{\"error\":{\"status\":503,\"code\":\"overloaded\",\"cause\":\"concurrency_limit\","
                + "\"message\":\"too many concurrent requests\",\"request_id\":\"3f2c-1\"}}");
    }

    @Test
    void aMissingRequestIdOrMessageIsNull() {
        assertThat(text(404, "not_found", "admin_endpoint_not_found", null, null))
            .isEqualTo("{\"error\":{\"status\":404,\"code\":\"not_found\",\"cause\":\"admin_endpoint_not_found\",\"message\":null,\"request_id\":null}}");
    }

    @Test
    void messagesAreEscapedAndRoundTrip() throws Exception {
        String message = "say \"hi\" \\ back\nslash\ttab\r\u0001 caf\u00e9 \ud83d\ude00";
        String json = text(400, "bad_request", "malformed_request", message, "a\"b");
        assertThat(json).contains("say \\\"hi\\\" \\\\ back\\nslash\\ttab\\r").doesNotContain("\n").doesNotContain("\u0001");
        JsonNode error = MAPPER.readTree(json).get("error");
        assertThat(error.get("message").asText()).isEqualTo(message);
        assertThat(error.get("request_id").asText()).isEqualTo("a\"b");
        assertThat(error.get("status").asInt()).isEqualTo(400);
    }

    @Test
    void aBrokenSurrogateInAMessageStillGivesValidJson() throws Exception {
        // An exception's message can carry one; the error must still be sent, not throw.
        JsonNode error = MAPPER.readTree(ErrorResponses.body(500, "internal", "internal_error", "a\ud800b", null)).get("error");
        assertThat(error.get("message").asText()).startsWith("a").endsWith("b");
    }
}
