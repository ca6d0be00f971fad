package io.nexus.gateway.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.RouteSettings;
import org.junit.jupiter.api.Test;

class BuiltInMiddlewaresTest {

    @Test
    void everyBuiltInNameTheConfigKnowsHasAFactory() {
        assertThat(BuiltInMiddlewares.registry().names()).containsExactlyInAnyOrderElementsOf(RouteSettings.BUILT_IN_MIDDLEWARES);
    }
}
