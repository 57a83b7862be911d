package dev.quorumkv.membership;

import static dev.quorumkv.membership.TopologyFixture.formed;
import static dev.quorumkv.membership.TopologyFixture.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.time.ManualTimeSource;

class LocalProgressTests {

    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final ManualTimeSource time = new ManualTimeSource();
    private final InMemoryTopologyLog log = new InMemoryTopologyLog(formed(3));
    private final PartitionStreaming streaming = new PartitionStreaming("node1", log, (Member source, List<Integer> partitions) -> 0, 2);
    private final LocalProgress progress = new LocalProgress(log, time, SETTLE, streaming);

    @Test
    void anEpochIsSettledOnlyOnceOperationsBegunOnTheOneBeforeHaveHadTheirTimeout() {
        time.advance(SETTLE);
        assertThat(progress.progress().settledEpoch()).isEqualTo(1);

        log.submit(join(4)).join();
        assertThat(progress.progress().settledEpoch()).as("just applied").isEqualTo(1);
        time.advance(SETTLE.minusMillis(1));
        assertThat(progress.progress().settledEpoch()).isEqualTo(1);
        time.advance(Duration.ofMillis(1));
        assertThat(progress.progress().settledEpoch()).isEqualTo(2);
    }

    @Test
    void itReportsTheEpochItStreamedFor() {
        log.submit(join(4)).join();
        log.submit(new AdvancePhase(2)).join();
        new PartitionStreaming("node4", log, (source, partitions) -> partitions.size(), 2).streamIfDue();
        streaming.streamIfDue(); // node1 gains nothing: done at once

        assertThat(progress.progress().streamedEpoch()).isEqualTo(3);
    }
}
