package dev.quorumkv.antientropy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class ExchangeCopierTests {

    private static final long NOW = 1_700_000_000_000L;

    private final InMemoryReplicas replicas = new InMemoryReplicas(2, 10);
    private final InMemoryReplicas.Node empty = replicas.node(2);
    private final ExchangeCopier copier = new ExchangeCopier(empty.exchange, empty.registry);

    @Test
    void aStreamGoesOnPastTheExchangeCapUntilTheNewOwnerHoldsEveryKeyOfThePartitions() {
        IntStream.range(0, 95).forEach(i -> replicas.node(1).put("key-" + i, NOW, "v" + i));
        List<Integer> all = IntStream.range(0, InMemoryReplicas.PARTITIONS).boxed().toList();

        long copied = copier.copy(replicas.node(1).member, all);

        assertThat(copied).isEqualTo(95);
        assertThat(empty.store.contents()).isEqualTo(replicas.node(1).store.contents());
        assertThat(empty.counter("quorumkv.handoff.keys")).isEqualTo(95);
    }

    @Test
    void onlyThePartitionsAskedForAreCopied() {
        IntStream.range(0, 60).forEach(i -> replicas.node(1).put("key-" + i, NOW, "v" + i));
        int partition = replicas.partitions.partitionOf("key-7");

        copier.copy(replicas.node(1).member, List.of(partition));

        assertThat(empty.store.contents().keySet()).isNotEmpty()
                .allSatisfy(key -> assertThat(replicas.partitions.partitionOf(key)).isEqualTo(partition));
    }

    @Test
    void aSourceThatDoesNotAnswerFailsTheStreamSayingWhy() {
        replicas.node(1).put("key", NOW, "v");
        replicas.down(1);

        assertThatThrownBy(() -> copier.copy(replicas.node(1).member, List.of(0, 1, 2)))
                .hasMessageContaining("streaming from n1 stopped");
    }
}
