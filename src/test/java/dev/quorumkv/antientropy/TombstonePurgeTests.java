package dev.quorumkv.antientropy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TombstonePurgeTests {

    private static final Duration PAST_GC_GRACE = InMemoryReplicas.GC_GRACE.plusHours(1);

    private final InMemoryReplicas replicas = new InMemoryReplicas(2, 10_000);
    private final InMemoryReplicas.Node one = replicas.node(1);
    private final InMemoryReplicas.Node two = replicas.node(2);

    @Test
    void aTombstoneYoungerThanGcGraceIsKeptWhateverTheRounds() {
        deleteOnBoth("k");
        replicas.time.advance(InMemoryReplicas.GC_GRACE.minusHours(1));
        one.round.run();

        assertThat(one.purger.purge()).isZero();
        assertThat(one.get("k")).isPresent();
    }

    @Test
    void aTombstonePastGcGraceIsKeptUntilARoundWithEveryOwnerCompletesAfterTheDelete() {
        assertThat(one.round.run().complete()).isTrue(); // complete, but before the delete
        replicas.time.advance(Duration.ofSeconds(1));
        deleteOnBoth("k");
        replicas.time.advance(PAST_GC_GRACE);
        assertThat(one.purger.purge()).isZero();

        replicas.down(2);
        assertThat(one.round.run().complete()).isFalse();
        assertThat(one.purger.purge()).isZero();

        replicas.up(2);
        assertThat(one.round.run().complete()).isTrue();
        assertThat(one.purger.purge()).isEqualTo(1);
        assertThat(one.get("k")).isEmpty();
        assertThat(one.counter("quorumkv.tombstones.purged")).isEqualTo(1);
        assertThat(one.trees.roots()).containsExactly(HashTrees.of(new InMemoryStore(), replicas.partitions).roots());
    }

    @Test
    void aTombstonePurgedOnOneOwnerIsNeverCopiedBackFromAnotherThatStillHoldsIt() {
        deleteOnBoth("k");
        replicas.time.advance(PAST_GC_GRACE);
        one.round.run();
        assertThat(one.purger.purge()).isEqualTo(1);

        RoundResult fromTwo = two.round.run();

        assertThat(fromTwo.complete()).isTrue();
        assertThat(fromTwo.keysRepaired()).isZero();
        assertThat(one.get("k")).isEmpty();
        assertThat(two.purger.purge()).isEqualTo(1);
        assertThat(one.store.contents()).isEmpty();
        assertThat(two.store.contents()).isEmpty();
    }

    @Test
    void aDeleteAnOwnerMissedNeverComesBackAfterRepairLapsedPastGcGrace() {
        long before = replicas.time.wallMillis();
        one.put("k", before, "old");
        two.put("k", before, "old");
        replicas.time.advance(Duration.ofSeconds(1));
        one.delete("k", replicas.time.wallMillis()); // the second owner was away for the delete
        replicas.time.advance(PAST_GC_GRACE);        // and no round ran for longer than gc-grace

        two.round.run();
        one.round.run();
        one.purger.purge();
        two.purger.purge();
        two.round.run();
        one.round.run();

        assertThat(one.get("k")).isEmpty();
        assertThat(two.get("k")).isEmpty();
    }

    private void deleteOnBoth(String key) {
        one.delete(key, replicas.time.wallMillis());
        two.delete(key, replicas.time.wallMillis());
    }
}
