package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The JVM diagnostics of the admin API: parseable dumps, readable JFR files, and their limits. */
class DiagnosticsTest {

    static final String TOKEN = "diagnostics-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .config("nexus { admin { token = \"%s\" } }".formatted(TOKEN))
        .build();

    @TempDir
    Path dir;

    private static Request admin(String path) {
        return nexus.adminRequest(path).headers(h -> h.put("Authorization", "Bearer " + TOKEN));
    }

    @Test
    void everyDiagnosticNeedsTheToken() throws Exception {
        for (String path : List.of("/api/v1/debug/threads", "/api/v1/debug/heap-histogram", "/api/v1/debug/jfr")) {
            assertThat(TestGateway.send(nexus.adminRequest(path)).getStatus()).as(path).isEqualTo(401);
        }
        assertThat(TestGateway.send(nexus.adminRequest("/api/v1/debug/jfr?duration=1s").method("POST")).getStatus()).isEqualTo(401);
    }

    @Test
    void threadDumpIsTheJdkJsonFormatWithVirtualThreads() throws Exception {
        CountDownLatch parked = new CountDownLatch(1);
        Thread virtual = Thread.ofVirtual().name("diagnostics-test-virtual").start(() -> {
            try {
                parked.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            ContentResponse response = TestGateway.send(admin("/api/v1/debug/threads"));
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getMediaType()).isEqualTo("application/json");
            JsonNode dump = JSON.readTree(response.getContent()).path("threadDump");
            assertThat(dump.path("processId").asLong()).isEqualTo(ProcessHandle.current().pid());
            List<String> names = new ArrayList<>();
            for (JsonNode container : dump.path("threadContainers")) {
                for (JsonNode thread : container.path("threads")) {
                    names.add(thread.path("name").asText());
                }
            }
            assertThat(names).contains("main", "diagnostics-test-virtual");
        } finally {
            parked.countDown();
            virtual.join(5000);
        }
    }

    @Test
    void heapHistogramListsClasses() throws Exception {
        ContentResponse response = TestGateway.send(admin("/api/v1/debug/heap-histogram"));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).contains("num", "#instances", "#bytes", "java.lang.String", "Total");
    }

    @Test
    void jfrRecordingRunsOneAtATimeAndIsFetchedAsAReadableFile() throws Exception {
        // Long enough that the second request still finds it running on a loaded machine.
        ContentResponse started = TestGateway.send(admin("/api/v1/debug/jfr?duration=4s").method("POST"));
        assertThat(started.getStatus()).isEqualTo(202);
        JsonNode recording = JSON.readTree(started.getContent());
        String file = recording.path("file").asText();
        assertThat(started.getHeaders().get("Location")).isEqualTo(file);
        assertThat(recording.path("state").asText()).isEqualTo("recording");

        ContentResponse second = TestGateway.send(admin("/api/v1/debug/jfr?duration=1s").method("POST"));
        assertThat(second.getStatus()).isEqualTo(409);
        assertThat(second.getContentAsString()).contains("recording_in_progress");
        assertThat(second.getHeaders().get("Retry-After")).isNotNull();

        // Before the end the file answers 202 with the state; afterwards the file itself.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> TestGateway.send(admin(file)).getStatus() == 200);
        ContentResponse download = TestGateway.send(admin(file));
        assertThat(download.getMediaType()).isEqualTo("application/octet-stream");
        Path jfr = dir.resolve("recording.jfr");
        Files.write(jfr, download.getContent());
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        assertThat(events).isNotEmpty();
        assertThat(events).anySatisfy(event -> assertThat(event.getEventType().getName()).startsWith("jdk."));

        // Done: the next recording may start.
        ContentResponse next = TestGateway.send(admin("/api/v1/debug/jfr?duration=1s").method("POST"));
        assertThat(next.getStatus()).isEqualTo(202);
        assertThat(JSON.readTree(next.getContent()).path("id").asInt()).isEqualTo(recording.path("id").asInt() + 1);
        assertThat(TestGateway.send(admin(file)).getStatus()).isEqualTo(404);
    }

    @Test
    void recordingDurationsAreBounded() throws Exception {
        for (String duration : List.of("0s", "500ms", "6m", "301s", "forever", "-1s")) {
            ContentResponse response = TestGateway.send(admin("/api/v1/debug/jfr?duration=" + duration).method("POST"));
            assertThat(response.getStatus()).as(duration).isEqualTo(400);
            assertThat(response.getContentAsString()).contains("between 1s and 300s");
        }
        // What cannot be read as a duration says why, in Typesafe Config's words.
        assertThat(TestGateway.send(admin("/api/v1/debug/jfr?duration=forever").method("POST")).getContentAsString())
            .contains("No number in duration value 'forever'");
    }

    @Test
    void wrongMethodsAndUnknownDiagnosticsAreRefused() throws Exception {
        assertThat(TestGateway.send(admin("/api/v1/debug/threads").method("POST")).getStatus()).isEqualTo(405);
        assertThat(TestGateway.send(admin("/api/v1/debug/jfr").method("DELETE")).getStatus()).isEqualTo(405);
        assertThat(TestGateway.send(admin("/api/v1/debug/core-dump")).getStatus()).isEqualTo(404);
    }
}
