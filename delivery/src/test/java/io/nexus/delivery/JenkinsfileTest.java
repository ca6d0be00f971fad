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
    void aGoodReleaseIsDeployedSmokeTestedAndWatchedWithoutRollback() throws Exception {
        PipelineStub run = PipelineStub.run(script -> 0);
        assertThat(flow(run)).containsExactly(
            "stage Build", "sh scripts/ci/build.sh",
            "stage Test", "sh scripts/ci/test.sh",
            "stage Package", "sh scripts/ci/package.sh",
            "stage Image", "sh scripts/ci/image.sh",
            "stage Deploy", "sh scripts/ci/deploy.sh",
            "stage Smoke", "sh scripts/ci/verify.sh",
            "skip Rollback",
            "stage Watch", "sh scripts/auto-rollback.sh");
        assertThat(run.env).containsEntry("SMOKE_FAILED", "false");
    }

    @Test
    void aFailingSmokeTestRollsBackThenSmokeTestsTheRollbackAndFailsTheBuild() throws Exception {
        int[] smokes = {0};
        // The new release fails the smoke test; the rolled-back one passes.
        PipelineStub run = PipelineStub.run(script -> script.equals("scripts/ci/verify.sh") && smokes[0]++ == 0 ? 1 : 0);
        assertThat(flow(run)).endsWith(
            "stage Deploy", "sh scripts/ci/deploy.sh",
            "stage Smoke", "sh scripts/ci/verify.sh",
            "stage Rollback", "sh scripts/ci/rollback.sh", "sh scripts/ci/verify.sh",
            "error Smoke test failed: the release was rolled back and the rollback passed the smoke test",
            "skip Watch");
    }

    @Test
    void aReleaseThatFailsWhileWatchedIsRolledBackAutomaticallyAndTheBuildSaysTheRollbackWasVerified() throws Exception {
        PipelineStub run = PipelineStub.run(script -> script.equals("scripts/auto-rollback.sh") ? 2 : 0);
        assertThat(flow(run)).endsWith(
            "stage Deploy", "sh scripts/ci/deploy.sh",
            "stage Smoke", "sh scripts/ci/verify.sh",
            "skip Rollback",
            "stage Watch", "sh scripts/auto-rollback.sh",
            "error The release failed while watched: rolled back automatically, and the rollback verified");
    }

    @Test
    void aRollbackThatDidNotHelpOrAReleaseThatCannotBeWatchedFailsTheBuildSayingSo() throws Exception {
        assertThat(flow(PipelineStub.run(script -> script.equals("scripts/auto-rollback.sh") ? 3 : 0))).last().asString()
            .isEqualTo("error The release failed while watched and was rolled back, but the rollback was not verified: page the on-call");
        assertThat(flow(PipelineStub.run(script -> script.equals("scripts/auto-rollback.sh") ? 4 : 0))).last().asString()
            .startsWith("error The release could not be watched");
    }

    @Test
    void aFailingTestStopsThePipelineBeforeAnythingIsDeployed() throws Exception {
        PipelineStub run = PipelineStub.run(script -> script.equals("scripts/ci/test.sh") ? 1 : 0);
        assertThat(flow(run)).contains("skip Package", "skip Image", "skip Deploy", "skip Smoke", "skip Rollback", "skip Watch")
            .doesNotContain("sh scripts/ci/deploy.sh");
    }
}
