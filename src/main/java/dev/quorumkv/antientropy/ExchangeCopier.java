package dev.quorumkv.antientropy;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.membership.PartitionCopier;

/**
 * Streams partitions for a membership change through the anti-entropy {@link Exchange}: a new owner is an empty
 * replica to repair. Exchanges stop at their key cap to bound one round's work; a stream goes on past it, exchange
 * after exchange, until one finds nothing left to copy.
 */
final class ExchangeCopier implements PartitionCopier {

    private final Exchange exchange;
    private final Counter keysStreamed;

    ExchangeCopier(Exchange exchange, MeterRegistry registry) {
        this.exchange = exchange;
        this.keysStreamed = Counter.builder("quorumkv.handoff.keys")
                .description("Keys copied to a new owner for a membership change")
                .register(registry);
    }

    @Override
    public long copy(Member source, List<Integer> partitions) {
        long copied = 0;
        while (true) {
            Exchange.Outcome outcome = exchange.run(source, partitions);
            copied += outcome.keysRepaired();
            keysStreamed.increment(outcome.keysRepaired());
            if (outcome.complete()) {
                return copied;
            }
            if (outcome.keysRepaired() == 0) { // no progress: the source or this node failed, not the cap
                throw new IllegalStateException("streaming from " + source.id() + " stopped: " + outcome.failure());
            }
        }
    }
}
