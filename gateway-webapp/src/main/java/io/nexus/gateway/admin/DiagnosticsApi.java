package io.nexus.gateway.admin;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.nexus.gateway.error.ErrorResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import javax.management.ObjectName;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's diagnostics under {@code /api/v1/debug/} (behind the admin token, like all of the
 * API): a thread dump with virtual threads in the JDK's JSON format, a JFR recording of a
 * bounded duration fetched by a follow-up GET, and a class histogram of the heap. Each is
 * limited so that the API cannot be used to wear the process down: one dump or histogram at a
 * time (both stop the world briefly), one recording at a time, durations capped.
 */
final class DiagnosticsApi {

    /** The longest recording one request may ask for. */
    static final Duration MAX_RECORDING = Duration.ofMinutes(5);
    static final Duration DEFAULT_RECORDING = Duration.ofSeconds(30);

    /**
     * Events whose fields carry environment variables, system properties, command lines or
     * agent options. Names unknown to this JDK are ignored by JFR.
     */
    static final List<String> SECRET_BEARING_EVENTS = List.of(
        "jdk.InitialEnvironmentVariable", "jdk.InitialSystemProperty", "jdk.JVMInformation",
        "jdk.JavaAgent", "jdk.NativeAgent", "jdk.SystemProcess", "jdk.ProcessStart");

    private static final Logger LOG = LoggerFactory.getLogger(DiagnosticsApi.class);
    /** Where a bad duration came from, in Typesafe Config's message. */
    private static final String DURATION_ORIGIN = "query parameter";

    // Thread dumps and histograms pause the JVM (histograms run a full GC): one at a time.
    private final Semaphore snapshots = new Semaphore(1);
    private final Object recordingLock = new Object();
    private JfrRecording recording;
    private int recordings;

    /** One recording, its file kept until the next recording replaces it. */
    private static final class JfrRecording {
        final int id;
        final Recording recording;
        final Path file;
        final Instant endsAt;
        boolean written; // guarded by recordingLock

        JfrRecording(int id, Recording recording, Path file, Instant endsAt) {
            this.id = id;
            this.recording = recording;
            this.file = file;
            this.endsAt = endsAt;
        }

        int id() {
            return id;
        }

        Recording recording() {
            return recording;
        }

        Path file() {
            return file;
        }

        Instant endsAt() {
            return endsAt;
        }
    }

    /** @param path the part after {@code /api/v1/debug} */
    void handle(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        String method = request.getMethod();
        switch (path) {
            case "/threads" -> {
                if (AdminMethods.requireRead(request, response, "/api/v1/debug" + path)) {
                    threads(response);
                }
            }
            case "/heap-histogram" -> {
                if (AdminMethods.requireRead(request, response, "/api/v1/debug" + path)) {
                    histogram(response);
                }
            }
            case "/jfr" -> {
                if ("POST".equals(method)) {
                    startRecording(request, response);
                } else if (AdminMethods.isRead(request)) {
                    recordingStatus(response);
                } else {
                    ErrorResponses.send(response, 405, "method_not_allowed", "method_not_allowed", "/api/v1/debug/jfr answers POST (start) and GET (status)");
                }
            }
            default -> {
                if (path.startsWith("/jfr/") && AdminMethods.requireRead(request, response, "/api/v1/debug" + path)) {
                    recordingFile(response, path.substring("/jfr/".length()));
                } else if (!path.startsWith("/jfr/")) {
                    ErrorResponses.send(response, 404, "not_found", "admin_endpoint_not_found", "no admin endpoint /api/v1/debug" + path);
                }
            }
        }
    }

    private void threads(HttpServletResponse response) throws IOException {
        if (!snapshots.tryAcquire()) {
            busy(response, "another thread dump or heap histogram is being taken");
            return;
        }
        Path dir = Files.createTempDirectory("nexus-threads");
        Path file = dir.resolve("threads.json");
        try {
            // The JSON format lists every thread, virtual threads included (JDK 21+), unlike
            // ThreadMXBean, which knows platform threads only.
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            response.setContentLengthLong(Files.size(file));
            try (OutputStream out = response.getOutputStream()) {
                Files.copy(file, out);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
            snapshots.release();
        }
    }

    private void histogram(HttpServletResponse response) throws IOException {
        if (!snapshots.tryAcquire()) {
            busy(response, "another thread dump or heap histogram is being taken");
            return;
        }
        try {
            // The diagnostic command behind `jcmd <pid> GC.class_histogram`: live objects by class.
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
            response.setStatus(200);
            response.setContentType("text/plain;charset=utf-8");
            response.setHeader("Cache-Control", "no-store");
            response.getWriter().print(text);
        } catch (javax.management.JMException e) {
            ErrorResponses.send(response, 500, "internal", "heap_histogram_unavailable", "the heap histogram is not available in this JVM: " + e.getMessage());
        } finally {
            snapshots.release();
        }
    }

    private void startRecording(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Duration duration = DEFAULT_RECORDING;
        String asked = request.getParameter("duration");
        if (asked != null) {
            String problem = null;
            try {
                duration = parseDuration(asked);
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
            if (problem != null || duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(MAX_RECORDING) > 0) {
                ErrorResponses.send(response, 400, "bad_request", "invalid_duration",
                    "duration must be between 1s and " + MAX_RECORDING.toSeconds() + "s, written like 30s, 1500ms or 2m; was \"" + asked + "\""
                        + (problem == null ? "" : " (" + problem + ")"));
                return;
            }
        }
        JfrRecording started;
        synchronized (recordingLock) {
            if (recording != null && isRunning(recording)) {
                response.setHeader("Retry-After", Long.toString(Math.max(1, Duration.between(Instant.now(), recording.endsAt()).toSeconds())));
                ErrorResponses.send(response, 409, "recording_in_progress", "recording_in_progress",
                    "recording " + recording.id() + " runs until " + recording.endsAt() + "; one recording at a time");
                return;
            }
            if (recording != null) {
                discard(recording);
            }
            Path file = Files.createTempDirectory("nexus-jfr").resolve("nexus-" + (recordings + 1) + ".jfr");
            Recording jfr;
            try {
                jfr = new Recording(settings());
            } catch (java.text.ParseException e) {
                throw new IOException("JFR's default configuration is unreadable", e);
            }
            jfr.setName("nexus-admin-" + (recordings + 1));
            jfr.setToDisk(true);
            // JFR stops the recording when the duration is over; the first GET of the file
            // writes it (a synchronous dump, so the file is complete when it is served).
            jfr.setDuration(duration);
            jfr.start();
            recordings++;
            started = new JfrRecording(recordings, jfr, file, Instant.now().plus(duration));
            recording = started;
        }
        LOG.info("JFR recording {} started for {} ms through the admin API", started.id(), duration.toMillis());
        // Relative to where the admin servlet is mounted: / on the admin port, /_nexus in a WAR.
        response.setHeader("Location", request.getContextPath() + request.getServletPath() + "/api/v1/debug/jfr/" + started.id());
        AdminJson.write(response, 202, describe(started));
    }

    /**
     * JFR's {@code default} profile without the events that copy the process's secrets into the
     * file: environment variables (an HMAC secret given as {@code ${?JWT_SECRET}}), system
     * properties, JVM arguments and agent options, and the command lines of other processes.
     * The recording leaves the host through the API, so it must carry no more than the metrics.
     */
    static Map<String, String> settings() throws IOException, java.text.ParseException {
        Map<String, String> settings = new LinkedHashMap<>(Configuration.getConfiguration("default").getSettings());
        for (String event : SECRET_BEARING_EVENTS) {
            settings.put(event + "#enabled", "false");
        }
        return settings;
    }

    private void recordingStatus(HttpServletResponse response) throws IOException {
        JfrRecording current;
        synchronized (recordingLock) {
            current = recording;
        }
        if (current == null) {
            ErrorResponses.send(response, 404, "not_found", "recording_not_found", "no recording yet: POST /api/v1/debug/jfr?duration=30s starts one");
            return;
        }
        AdminJson.write(response, 200, describe(current));
    }

    private void recordingFile(HttpServletResponse response, String idText) throws IOException {
        JfrRecording current;
        synchronized (recordingLock) {
            current = recording;
        }
        if (current == null || !Integer.toString(current.id()).equals(idText)) {
            ErrorResponses.send(response, 404, "not_found", "recording_not_found", "no recording " + idText + " (only the latest is kept)");
            return;
        }
        if (isRunning(current)) {
            response.setHeader("Retry-After", Long.toString(Math.max(1, Duration.between(Instant.now(), current.endsAt()).toSeconds())));
            AdminJson.write(response, 202, describe(current));
            return;
        }
        synchronized (recordingLock) {
            if (recording != current) {
                ErrorResponses.send(response, 404, "not_found", "recording_replaced", "recording " + idText + " was replaced by a newer one");
                return;
            }
            if (!current.written) {
                current.recording().dump(current.file());
                current.recording().close();
                current.written = true;
            }
        }
        response.setStatus(200);
        response.setContentType("application/octet-stream");
        response.setHeader("Content-Disposition", "attachment; filename=\"nexus-" + current.id() + ".jfr\"");
        response.setContentLengthLong(Files.size(current.file()));
        try (OutputStream out = response.getOutputStream()) {
            Files.copy(current.file(), out);
        }
    }

    private static Map<String, Object> describe(JfrRecording recording) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", recording.id());
        json.put("state", isRunning(recording) ? "recording" : "done");
        json.put("ends_at", recording.endsAt().toString());
        json.put("file", "/api/v1/debug/jfr/" + recording.id());
        return json;
    }

    private static boolean isRunning(JfrRecording recording) {
        RecordingState state = recording.recording().getState();
        return state == RecordingState.NEW || state == RecordingState.DELAYED || state == RecordingState.RUNNING;
    }

    private static void discard(JfrRecording old) throws IOException {
        old.recording().close();
        Files.deleteIfExists(old.file());
        Files.deleteIfExists(old.file().getParent());
    }

    /**
     * A duration by HOCON's rules, the ones gateway.conf is read with: {@code 30s}, {@code 1500ms},
     * {@code 2m}, {@code 1.5m}, {@code 90 seconds}; a bare number is milliseconds.
     *
     * @throws IllegalArgumentException with Typesafe Config's reason
     */
    static Duration parseDuration(String text) {
        try {
            // A string value, never parsed as HOCON text: nothing but a duration can come of it.
            return ConfigFactory.empty().withValue("duration", ConfigValueFactory.fromAnyRef(text, DURATION_ORIGIN)).getDuration("duration");
        } catch (ConfigException e) {
            // The message is "<origin>: <reason>"; the caller names the origin itself.
            throw new IllegalArgumentException(e.getMessage().substring(DURATION_ORIGIN.length() + 2), e);
        }
    }

    private static void busy(HttpServletResponse response, String message) throws IOException {
        response.setHeader("Retry-After", "1");
        ErrorResponses.send(response, 429, "busy", "diagnostics_busy", message);
    }
}
