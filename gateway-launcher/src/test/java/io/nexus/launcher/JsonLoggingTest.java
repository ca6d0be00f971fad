package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.gateway.observability.AccessLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class JsonLoggingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Logback looks for configurators with the ServiceLoader before it looks for XML. */
    @Test
    void logbackFindsTheLauncherConfigurationThroughItsServiceFile() {
        assertThat(ServiceLoader.load(Configurator.class)).anyMatch(JsonLogging.class::isInstance);
    }

    @Test
    void installsTheJsonAndAccessLogAppenders() {
        LoggerContext context = context();
        JsonLogging.install(context);
        try {
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.INFO);
            assertThat(root.getAppender(JsonLogging.JSON_APPENDER)).isInstanceOf(OutputStreamAppender.class);
            Logger access = context.getLogger(AccessLog.LOGGER);
            assertThat(access.isAdditive()).isFalse();
            LoggingEventAsyncDisruptorAppender ring = (LoggingEventAsyncDisruptorAppender) access.getAppender("ACCESS");
            assertThat(ring.isStarted()).isTrue();
            assertThat(ring.getRingBufferSize()).isEqualTo(8192);
            assertThat(ring.getAppendTimeout().getMilliseconds()).isZero();
            assertThat(ring.isAddDefaultStatusListener()).isFalse();
            assertThat(context.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
        } finally {
            context.stop();
        }
    }

    @Test
    void anOperatorsOwnFileWins() {
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "/etc/nexus/logback.xml");
        try {
            JsonLogging logging = new JsonLogging();
            LoggerContext context = context();
            logging.setContext(context);
            assertThat(logging.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        } finally {
            if (before == null) {
                System.clearProperty("logback.configurationFile");
            } else {
                System.setProperty("logback.configurationFile", before);
            }
        }
    }

    /** The WAR ships the same configuration as XML: both print the same line for an event. */
    @Test
    void printsWhatTheWarsLogbackXmlPrints() throws Exception {
        LoggerContext launcher = context();
        JsonLogging.install(launcher);
        LoggerContext war = context();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(war);
        joran.doConfigure(Path.of("../conf/war/logback.xml").toFile());
        try {
            LoggingEvent event = new LoggingEvent(getClass().getName(), launcher.getLogger(AccessLog.LOGGER), Level.WARN, "GET /x 502",
                new IllegalStateException("upstream reset"), null);
            event.setKeyValuePairs(List.of(new KeyValuePair("route", "users"), new KeyValuePair("status", 502)));
            event.setMDCPropertyMap(Map.of("tenant", "acme"));
            event.setThreadName("nexus-vt7");
            event.prepareForDeferredProcessing();

            JsonNode fromCode = line(launcher, event);
            JsonNode fromXml = line(war, event);
            assertThat(fromCode).isEqualTo(fromXml);
            assertThat(fromCode.fieldNames()).toIterable()
                .containsExactly("timestamp", "level", "logger", "thread", "message", "tenant", "route", "status", "stack_trace");
            assertThat(fromCode.get("timestamp").asText()).endsWith("Z");
        } finally {
            launcher.stop();
            war.stop();
        }
    }

    @SuppressWarnings("unchecked")
    private static JsonNode line(LoggerContext context, ILoggingEvent event) throws Exception {
        OutputStreamAppender<ILoggingEvent> json = (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("JSON");
        return JSON.readTree(json.getEncoder().encode(event));
    }

    private static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        return context;
    }
}
