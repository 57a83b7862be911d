package dev.quorumkv.antientropy;

import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExchangeTests {

    private static final long NOW = new dev.quorumkv.time.ManualTimeSource().wallMillis();

    @Test
    void anExchangeCopiesExactlyTheDifferingKeysEachWayTheNewerVersionGoes() {
        InMemoryReplicas replicas = new InMemoryReplicas(2, 10_000);
        var one = replicas.node(1);
        var two = replicas.node(2);
        for (int i = 0; i < 500; i++) {
            one.put("same" + i, NOW, "v");
            two.put("same" + i, NOW, "v");
        }
        one.put("onlyOnOne", NOW, "1");
        two.put("onlyOnTwo", NOW, "2");
        one.put("newerOnOne", NOW + 2, "new");
        two.put("newerOnOne", NOW + 1, "old");
        one.put("newerOnTwo", NOW + 1, "old");
        two.put("newerOnTwo", NOW + 2, "new");
        one.delete("deletedOnOne", NOW + 2);
        two.put("deletedOnOne", NOW + 1, "old");

        RoundResult result = one.round.run();

        assertThat(result.complete()).isTrue();
        assertThat(result.keysRepaired()).isEqualTo(5);
        assertThat(one.store.contents()).isEqualTo(two.store.contents()).hasSize(505);
        assertThat(two.get("deletedOnOne")).hasValueSatisfying(held -> assertThat(held.isTombstone()).isTrue());
        assertThat(new String(one.get("newerOnTwo").orElseThrow().value())).isEqualTo("new");
        assertThat(one.trees.roots()).containsExactly(two.trees.roots());
        assertThat(one.counter("quorumkv.anti_entropy.keys_repaired")).isEqualTo(5);
        assertThat(one.counter("quorumkv.anti_entropy.rounds", "outcome", "complete")).isEqualTo(1);
    }

    @Test
    void replicasThatAgreeCopyNothing() {
        InMemoryReplicas replicas = new InMemoryReplicas(3, 10_000);
        for (int node = 1; node <= 3; node++) {
            replicas.node(node).put("k", NOW, "v");
        }

        RoundResult result = replicas.node(1).round.run();

        assertThat(result.keysRepaired()).isZero();
        assertThat(result.partitions()).isEqualTo(InMemoryReplicas.PARTITIONS);
    }

    @Test
    void aWipedReplicaRefillsAcrossManyPagesOfKeys() {
        InMemoryReplicas replicas = new InMemoryReplicas(2, 10_000);
        int keys = AntiEntropyReplica.PAGE_KEYS * 3 + 17;
        IntStream.range(0, keys).forEach(i -> replicas.node(1).put("key-" + i, NOW, "v" + i));

        RoundResult result = replicas.node(2).round.run();

        assertThat(result.keysRepaired()).isEqualTo(keys);
        assertThat(replicas.node(2).store.contents()).isEqualTo(replicas.node(1).store.contents());
    }

    @Test
    void anExchangeStopsAtItsCapAndTheNextRoundGoesOn() {
        InMemoryReplicas replicas = new InMemoryReplicas(2, 10);
        IntStream.range(0, 25).forEach(i -> replicas.node(1).put("key-" + i, NOW, "v"));

        RoundResult first = replicas.node(2).round.run();

        assertThat(first.keysRepaired()).isEqualTo(10);
        assertThat(first.complete()).isFalse();
        assertThat(replicas.node(2).store.contents()).hasSize(10);
        assertThat(replicas.node(2).counter("quorumkv.anti_entropy.rounds", "outcome", "failed")).isEqualTo(1);
        replicas.node(2).round.run();
        RoundResult third = replicas.node(2).round.run();
        assertThat(third.keysRepaired()).isEqualTo(5);
        assertThat(third.complete()).isTrue();
        assertThat(replicas.node(2).store.contents()).hasSize(25);
    }

    @Test
    void aRoundWithAPeerDownFailsAndCompletesOnlyThePartitionsNotSharedWithIt() {
        InMemoryReplicas replicas = new InMemoryReplicas(3, 10_000);
        replicas.node(2).put("k", NOW, "v");
        replicas.down(3);

        RoundResult result = replicas.node(1).round.run();

        assertThat(result.complete()).isFalse();
        assertThat(result.failures()).singleElement().asString().contains("n3");
        assertThat(result.partitions()).isZero();
        assertThat(replicas.node(1).get("k")).isPresent();
    }
}
