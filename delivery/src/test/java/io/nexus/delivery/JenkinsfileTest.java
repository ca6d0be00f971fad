package io.nexus.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Jenkinsfile, run by Groovy against recording pipeline steps. */
class JenkinsfileTest {

    private static List<String> flow(PipelineStub run) {
        return run.events.stream().filter(e -> e.startsWith("stage ") || e.startsWith("sh ") || e.startsWith("skip ") || e.startsWith("error ")).toList();
    }

    @Test
    void aGoodReleaseRunsEveryStageInOrderAndNoRollback() throws Exception {
        PipelineStub run = PipelineStub.run(script -> 0);
        assertThat(flow(run)).containsExactly(
            "stage Build", "sh scripts/ci/build.sh",
            "stage Test", "sh scripts/ci/test.sh",
            "stage Package", "sh scripts/ci/package.sh",
            "stage Image", "sh scripts/ci/image.sh",
            "stage Deploy", "sh scripts/ci/deploy.sh",
            "stage Verify", "sh scripts/ci/verify.sh",
            "skip Rollback");
        assertThat(run.env).containsEntry("VERIFY_FAILED", "false");
    }

    @Test
    void aFailingVerifyRollsBackThenVerifiesTheRollbackAndFailsTheBuild() throws Exception {
        int[] verifies = {0};
        // The new release fails verification; the rolled-back one passes.
        PipelineStub run = PipelineStub.run(script -> script.equals("scripts/ci/verify.sh") && verifies[0]++ == 0 ? 1 : 0);
        assertThat(flow(run)).endsWith(
            "stage Deploy", "sh scripts/ci/deploy.sh",
            "stage Verify", "sh scripts/ci/verify.sh",
            "stage Rollback", "sh scripts/ci/rollback.sh", "sh scripts/ci/verify.sh",
            "error Verification failed: the release was rolled back and the rollback verified");
    }

    @Test
    void aFailingTestStopsThePipelineBeforeAnythingIsDeployed() throws Exception {
        PipelineStub run = PipelineStub.run(script -> script.equals("scripts/ci/test.sh") ? 1 : 0);
        assertThat(flow(run)).contains("skip Package", "skip Image", "skip Deploy", "skip Verify", "skip Rollback")
            .doesNotContain("sh scripts/ci/deploy.sh");
    }
}
