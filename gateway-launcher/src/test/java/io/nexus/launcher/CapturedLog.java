package io.nexus.launcher;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Captures the events of one logger (in the tests' logging context) and renders them with the
 * launcher's own encoder ({@link JsonLogging}), loaded into a context of its own: the JSON lines
 * are exactly what the shipped jar would print.
 */
final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final LoggerContext shipped;
    private final Encoder<ILoggingEvent> encoder;

    @SuppressWarnings("unchecked")
    CapturedLog(String loggerName) throws Exception {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        setContext(logger.getLoggerContext());
        setName("captured-" + loggerName);
        start();
        logger.addAppender(this);
        shipped = new LoggerContext();
        JsonLogging.install(shipped);
        OutputStreamAppender<ILoggingEvent> json = (OutputStreamAppender<ILoggingEvent>) shipped.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("JSON");
        encoder = json.getEncoder();
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        events.add(event);
    }

    /** The event as the shipped config prints it: one line, parsed. */
    JsonNode json(ILoggingEvent event) throws Exception {
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThat(line).endsWith("\n").doesNotContain("\n\n");
        org.assertj.core.api.Assertions.assertThat(line.strip()).doesNotContain("\n");
        return JSON.readTree(line);
    }

    /** The value of a key-value pair of an event, {@code null} when absent. */
    static Object field(ILoggingEvent event, String key) {
        if (event.getKeyValuePairs() == null) {
            return null;
        }
        for (var pair : event.getKeyValuePairs()) {
            if (pair.key.equals(key)) {
                return pair.value;
            }
        }
        return null;
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
        shipped.stop();
    }
}
