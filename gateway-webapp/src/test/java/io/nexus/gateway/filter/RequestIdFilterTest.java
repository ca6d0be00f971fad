package io.nexus.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdFilterTest {

    @Test
    void plausibleIdsAreAccepted() {
        assertThat(RequestIdFilter.isValid("abc-123")).isTrue();
        assertThat(RequestIdFilter.isValid("0f8fad5b-d9cb-469f-a165-70867728950e")).isTrue();
        assertThat(RequestIdFilter.isValid("trace:span.1_2+3/4=")).isTrue();
        assertThat(RequestIdFilter.isValid("x".repeat(128))).isTrue();
    }

    @Test
    void injectionAndOversizeAreRefused() {
        assertThat(RequestIdFilter.isValid(null)).isFalse();
        assertThat(RequestIdFilter.isValid("")).isFalse();
        assertThat(RequestIdFilter.isValid("x".repeat(129))).isFalse();
        assertThat(RequestIdFilter.isValid("a b")).isFalse();
        assertThat(RequestIdFilter.isValid("a\r\nSet-Cookie: x=1")).isFalse();
        assertThat(RequestIdFilter.isValid("<script>")).isFalse();
        assertThat(RequestIdFilter.isValid("\"quoted\"")).isFalse();
    }

    @Test
    void newIdsAreVersion4UuidsAndUnique() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestIdFilter.newId();
            assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            ids.add(id);
        }
        assertThat(ids).hasSize(10_000);
    }
}
