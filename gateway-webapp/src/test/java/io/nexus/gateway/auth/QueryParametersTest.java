package io.nexus.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueryParametersTest {

    @Test
    void theFirstValueIsDecoded() {
        assertThat(QueryParameters.first("a=1&api_key=K&b=2", "api_key")).isEqualTo("K");
        assertThat(QueryParameters.first("api_key=a%2Bb+c%E2%82%AC", "api_key")).isEqualTo("a+b c\u20ac");
        assertThat(QueryParameters.first("api_key=abc==", "api_key")).isEqualTo("abc==");
        assertThat(QueryParameters.first("api_key=1&api_key=2", "api_key")).isEqualTo("1");
        assertThat(QueryParameters.first("api_key", "api_key")).isEmpty();
        // Names are decoded before they are compared, and compared exactly.
        assertThat(QueryParameters.first("api%5Fkey=K", "api_key")).isEqualTo("K");
        assertThat(QueryParameters.first("API_KEY=K", "api_key")).isNull();
        assertThat(QueryParameters.first("a=1", "api_key")).isNull();
        assertThat(QueryParameters.first(null, "api_key")).isNull();
    }

    @Test
    void badEncodingElsewhereDoesNotHideTheParameter() {
        assertThat(QueryParameters.first("x=%zz&y=%&api_key=K", "api_key")).isEqualTo("K");
        assertThat(QueryParameters.first("x=%C3&api_key=K", "api_key")).isEqualTo("K");
    }

    @Test
    void removingTheParameterKeepsTheRestAsTheClientWroteIt() {
        assertThat(QueryParameters.without("a=1&api_key=K&b=2", "api_key")).isEqualTo("a=1&b=2");
        assertThat(QueryParameters.without("b=%7e&a=x+y&api_key=K&c=%E2%82%AC&d=%zz", "api_key")).isEqualTo("b=%7e&a=x+y&c=%E2%82%AC&d=%zz");
        assertThat(QueryParameters.without("api_key=1&a=1&api%5Fkey=2", "api_key")).isEqualTo("a=1");
        assertThat(QueryParameters.without("a=1&&b=2&api_key=K", "api_key")).isEqualTo("a=1&&b=2");
        assertThat(QueryParameters.without("a=1&b=2", "api_key")).isEqualTo("a=1&b=2");
    }

    @Test
    void nothingLeftIsNoQuery() {
        assertThat(QueryParameters.without("api_key=K", "api_key")).isNull();
        assertThat(QueryParameters.without(null, "api_key")).isNull();
    }
}
