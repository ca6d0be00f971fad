package io.nexus.launcher;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;

/**
 * A test that {@link GatewayExtension} runs once for each {@link Protocol}, handing it a
 * {@link GatewayClient} (or the {@link Protocol}) as a parameter. The class's gateway then
 * also listens for HTTP/2.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestTemplate
@interface ProtocolTest {
}
