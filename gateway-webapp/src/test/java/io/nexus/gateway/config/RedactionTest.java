package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void secretsInNestedObjectsAndListsAreRedacted() {
        String rendered = Redaction.render(ConfigFactory.parseString("""
            auth {
              partners { type = api-key, keys = [{ id = acme, sha256 = "deadbeef" }, { id = other, sha256 = "cafebabe" }] }
              users { type = jwt, secret = "hs256-secret", issuer = "https://issuer" }
            }
            tokens = ["t1", "t2"]
            empty-password = null
            """).root());
        assertThat(rendered).doesNotContain("deadbeef", "cafebabe", "hs256-secret", "t1", "t2")
            .contains("id=acme").contains("issuer=\"https://issuer\"")
            .contains("sha256=\"<redacted>\"").contains("secret=\"<redacted>\"").contains("tokens=\"<redacted>\"");
    }
}
