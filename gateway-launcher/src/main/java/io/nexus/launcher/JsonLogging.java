package io.nexus.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.Duration;
import ch.qos.logback.core.util.Loader;
import io.nexus.gateway.observability.AccessLog;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
import net.logstash.logback.composite.loggingevent.KeyValuePairsJsonProvider;
import net.logstash.logback.composite.loggingevent.LogLevelJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggerNameJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventFormattedTimestampJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventJsonProviders;
import net.logstash.logback.composite.loggingevent.LoggingEventThreadNameJsonProvider;
import net.logstash.logback.composite.loggingevent.MdcJsonProvider;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.composite.loggingevent.StackTraceJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;

/**
 * The launcher's logging, set up in code (Logback finds it through {@code META-INF/services}):
 * one JSON object per line on stdout (docs/observability.md, "Logs"), the access log through a
 * ring buffer that drops instead of waiting. Logback's XML configuration took ~65 ms of CPU at
 * start-up on one core, a tenth of the time to ready (docs/performance.md, "Start-up on one CPU"); this
 * takes a few. An operator's own file still wins: with {@code -Dlogback.configurationFile} or a
 * {@code logback.xml} on the class path, Logback reads that instead. {@code conf/war/logback.xml}
 * is the same configuration as XML, for the WAR ({@code JsonLoggingTest} keeps them alike).
 */
public final class JsonLogging extends ContextAwareBase implements Configurator {

    static final String JSON_APPENDER = "JSON";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null || Loader.getResource("logback-test.xml", getClass().getClassLoader()) != null
            || Loader.getResource("logback.xml", getClass().getClassLoader()) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        install(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The appenders and loggers, into {@code context}. */
    static void install(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> json = jsonAppender(context);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(json);
        Logger access = context.getLogger(AccessLog.LOGGER);
        access.setLevel(Level.INFO);
        access.setAdditive(false);
        access.addAppender(accessAppender(context, json));
        context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    }

    /** Request-scoped lines carry their SLF4J key-value pairs (request_id, route, status...) and MDC entries as fields. */
    static ConsoleAppender<ILoggingEvent> jsonAppender(LoggerContext context) {
        LoggingEventCompositeJsonEncoder encoder = new LoggingEventCompositeJsonEncoder();
        encoder.setContext(context);
        LoggingEventJsonProviders providers = new LoggingEventJsonProviders();
        LoggingEventFormattedTimestampJsonProvider timestamp = new LoggingEventFormattedTimestampJsonProvider();
        timestamp.setFieldName("timestamp");
        timestamp.setTimeZone("UTC");
        providers.addTimestamp(timestamp);
        LogLevelJsonProvider level = new LogLevelJsonProvider();
        level.setFieldName("level");
        providers.addLogLevel(level);
        LoggerNameJsonProvider logger = new LoggerNameJsonProvider();
        logger.setFieldName("logger");
        providers.addLoggerName(logger);
        LoggingEventThreadNameJsonProvider thread = new LoggingEventThreadNameJsonProvider();
        thread.setFieldName("thread");
        providers.addThreadName(thread);
        providers.addMessage(new MessageJsonProvider());
        providers.addMdc(new MdcJsonProvider());
        providers.addKeyValuePairs(new KeyValuePairsJsonProvider());
        StackTraceJsonProvider stackTrace = new StackTraceJsonProvider();
        stackTrace.setFieldName("stack_trace");
        providers.addStackTrace(stackTrace);
        encoder.setProviders(providers);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(JSON_APPENDER);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }

    /**
     * A slow stdout costs access-log lines, counted by {@link DroppedLogEvents}, never a request's
     * time: the ring buffer drops when full (no append timeout). No default status listener: it
     * would print the appender's "Dropped N events" warnings to stdout from the request thread,
     * the very stream that is slow, and into the JSON lines.
     */
    static LoggingEventAsyncDisruptorAppender accessAppender(LoggerContext context, ConsoleAppender<ILoggingEvent> json) {
        LoggingEventAsyncDisruptorAppender appender = new LoggingEventAsyncDisruptorAppender();
        appender.setContext(context);
        appender.setName("ACCESS");
        appender.setRingBufferSize(8192);
        appender.setAppendTimeout(Duration.buildByMilliseconds(0));
        appender.setAddDefaultStatusListener(false);
        appender.setShutdownGracePeriod(Duration.buildBySeconds(1));
        appender.setThreadNameFormat("nexus-log-%1$s");
        appender.addListener(new DroppedLogEvents());
        appender.addAppender(json);
        appender.start();
        return appender;
    }
}
