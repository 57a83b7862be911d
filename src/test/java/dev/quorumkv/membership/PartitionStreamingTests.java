package dev.quorumkv.membership;

import static dev.quorumkv.membership.TopologyFixture.advance;
import static dev.quorumkv.membership.TopologyFixture.apply;
import static dev.quorumkv.membership.TopologyFixture.formed;
import static dev.quorumkv.membership.TopologyFixture.host;
import static dev.quorumkv.membership.TopologyFixture.join;
import static dev.quorumkv.membership.TopologyFixture.url;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.quorumkv.cluster.Member;

class PartitionStreamingTests {

    /** Records what it was asked to copy; sources named in {@code failing} fail. */
    private static final class RecordingCopier implements PartitionCopier {
        final List<String> sources = new ArrayList<>();
        final Set<Integer> partitions = new TreeSet<>();
        final Set<String> failing = new HashSet<>();

        @Override
        public long copy(Member source, List<Integer> copied) {
            sources.add(source.id());
            if (failing.contains(source.id())) {
                throw new IllegalStateException(source.id() + " did not answer");
            }
            partitions.addAll(copied);
            return copied.size();
        }
    }

    private final RecordingCopier copier = new RecordingCopier();

    @Test
    void aJoinerCopiesExactlyThePartitionsItGainsFromTheirOldOwnersOnceInStreaming() {
        Topology writeBoth = apply(formed(3), join(4));
        InMemoryTopologyLog log = new InMemoryTopologyLog(writeBoth);
        PartitionStreaming streaming = new PartitionStreaming("node4", log, copier, 2);

        assertThat(streaming.streamIfDue()).as("nothing to do before STREAMING").isFalse();
        assertThat(copier.sources).isEmpty();

        log.submit(new AdvancePhase(writeBoth.epoch())).join();
        assertThat(streaming.streamIfDue()).isTrue();
        assertThat(streaming.streamedEpoch()).isEqualTo(log.current().epoch());
        assertThat(copier.partitions).isEqualTo(gainedBy(log.current(), "node4"));
        assertThat(copier.sources).containsExactlyInAnyOrder("node1", "node2", "node3");

        copier.sources.clear();
        assertThat(streaming.streamIfDue()).as("done once per epoch").isTrue();
        assertThat(copier.sources).isEmpty();
    }

    @Test
    void oneOldOwnerDownIsEnoughMissingWhenNMinusWPlusOneOthersWereCopiedFrom() {
        InMemoryTopologyLog log = new InMemoryTopologyLog(advance(apply(formed(3), join(4))));
        copier.failing.add("node2");

        assertThat(new PartitionStreaming("node4", log, copier, 2).streamIfDue()).isTrue();
    }

    @Test
    void twoOldOwnersDownOfThreeLeaveTheStreamUnfinishedAndItIsRetried() {
        InMemoryTopologyLog log = new InMemoryTopologyLog(advance(apply(formed(3), join(4))));
        PartitionStreaming streaming = new PartitionStreaming("node4", log, copier, 2);
        copier.failing.addAll(List.of("node2", "node3"));

        assertThat(streaming.streamIfDue()).isFalse();
        assertThat(streaming.streamedEpoch()).isZero();

        copier.failing.clear();
        assertThat(streaming.streamIfDue()).isTrue();
    }

    @Test
    void aReplacementCopiesEveryPartitionItOwnsFromTheOtherOwnersNeverFromItsOwnId() {
        Topology claimed = formed(3);
        InMemoryTopologyLog log = new InMemoryTopologyLog(advance(apply(claimed, new Replace("node2", host(9), url(2)))));

        assertThat(new PartitionStreaming("node2", log, copier, 2).streamIfDue()).isTrue();
        assertThat(copier.sources).containsExactlyInAnyOrder("node1", "node3");
        Set<Integer> owned = new TreeSet<>();
        for (int partition = 0; partition < claimed.partitions(); partition++) {
            if (claimed.owners().owners(partition).stream().anyMatch(owner -> owner.id().equals("node2"))) {
                owned.add(partition);
            }
        }
        assertThat(copier.partitions).isEqualTo(owned);
    }

    @Test
    void aMemberThatGainsNothingHasNothingToStream() {
        InMemoryTopologyLog log = new InMemoryTopologyLog(advance(apply(formed(3), join(4))));

        assertThat(new PartitionStreaming("node1", log, copier, 2).streamIfDue()).isTrue();
        assertThat(copier.sources).isEmpty();
    }

    private static Set<Integer> gainedBy(Topology topology, String id) {
        Set<Integer> gained = new TreeSet<>();
        MemberChange change = topology.change().orElseThrow();
        for (int partition = 0; partition < topology.partitions(); partition++) {
            boolean before = topology.owners().owners(partition).stream().anyMatch(owner -> owner.id().equals(id));
            boolean after = change.pending().owners(partition).stream().anyMatch(owner -> owner.id().equals(id));
            if (after && !before) {
                gained.add(partition);
            }
        }
        return gained;
    }
}
