package dev.quorumkv.system;

import java.nio.file.Path;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.QuorumKvApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A bad setting stops start-up with its one sentence and what to do, and no stack trace. */
@ExtendWith(OutputCaptureExtension.class)
class InvalidConfigurationFailureAnalyzerTests {

    @TempDir
    Path dir;

    @Test
    void aNodeWithPeersAndNoSecretSaysWhatToFixWithoutAStackTrace(CapturedOutput output) {
        assertThatThrownBy(() -> SpringApplication.run(QuorumKvApplication.class, "--server.port=0",
                "--quorumkv.storage.dir=" + dir, "--spring.main.banner-mode=off", "--quorumkv.node-id=a",
                "--quorumkv.cluster.members=a=http://127.0.0.1:1,b=http://127.0.0.1:2"))
                .hasRootCauseInstanceOf(InvalidConfigurationException.class);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("quorumkv.cluster.secret (env QUORUMKV_CLUSTER_SECRET) is not set")
                .contains("Fix the setting named above")
                .doesNotContain("\tat dev.quorumkv")
                .doesNotContain("\tat org.springframework");
    }
}
