package dev.quorumkv.antientropy;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.cluster.StaticPlacement;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A round takes its peers and each partition's owners from the placement current when it starts: n1 and n2 own
 * everything; n3 is joining (written to as a new owner of every partition) or has left.
 */
class AntiEntropyPlacementTests {

    private static final Duration PAST_GC_GRACE = InMemoryReplicas.GC_GRACE.plusHours(1);

    private final InMemoryReplicas replicas = new InMemoryReplicas(3, 10_000);
    private final InMemoryReplicas.Node one = replicas.node(1);
    private final List<Member> owners = replicas.members.subList(0, 2);
    private final Member joining = replicas.members.get(2);

    /** A new owner may hold the value streamed to it and not yet the delete: the tombstone waits for it too. */
    @Test
    void whileAMemberJoinsATombstoneIsPurgedOnlyOnceARoundWithTheNewOwnerCompletes() {
        one.cluster.update(new Joining(1, PartitionMap.striped(owners, InMemoryReplicas.PARTITIONS, 2), joining, replicas.members));
        one.delete("k", replicas.time.wallMillis());
        replicas.node(2).delete("k", replicas.time.wallMillis());
        replicas.node(3).delete("k", replicas.time.wallMillis());
        replicas.time.advance(PAST_GC_GRACE);

        replicas.down(3);
        assertThat(one.round.run().complete()).as("the new owner is one of the round's peers").isFalse();
        assertThat(one.purger.purge()).isZero();

        replicas.up(3);
        assertThat(one.round.run().complete()).isTrue();
        assertThat(one.purger.purge()).isEqualTo(1);
    }

    @Test
    void aMemberThatLeftIsNoLongerAPeerOfTheRound() {
        one.cluster.update(new StaticPlacement(1, PartitionMap.striped(owners, InMemoryReplicas.PARTITIONS, 2), owners));
        one.put("k", replicas.time.wallMillis(), "v");
        replicas.down(3);

        assertThat(one.round.run().complete()).isTrue();
        assertThat(replicas.node(2).get("k")).isPresent();
    }

    /** The owners of every partition, with {@code newOwner} written to besides them, as while a join writes both. */
    private record Joining(long epoch, PartitionMap owners, Member newOwner, List<Member> replicaMembers) implements Placement {

        @Override
        public int partitions() {
            return owners.partitions();
        }

        @Override
        public int partitionOf(String key) {
            return owners.partitionOf(key);
        }

        @Override
        public List<Member> readReplicas(int partition) {
            return owners.owners(partition);
        }

        @Override
        public List<Member> writeReplicas(int partition) {
            Set<Member> both = new LinkedHashSet<>(owners.owners(partition));
            both.add(newOwner);
            return List.copyOf(both);
        }

        @Override
        public List<List<Member>> writeQuorums(int partition) {
            return List.of(owners.owners(partition), writeReplicas(partition).subList(1, 3));
        }
    }
}
