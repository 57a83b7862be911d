package dev.quorumkv.coordinator;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;

import dev.quorumkv.cluster.Member;

/**
 * The order a speculative read asks a key's replicas in: this node first when it is one (its copy is read without a
 * network call), then the others from a random start, so that coordinators spread the reads they send over every
 * replica rather than all asking the primary.
 */
final class ReadOrder {

    private final Predicate<Member> isSelf;
    /** A random start in 0..size-1 for a list of that size. */
    private final IntUnaryOperator randomStart;

    ReadOrder(Predicate<Member> isSelf, IntUnaryOperator randomStart) {
        this.isSelf = isSelf;
        this.randomStart = randomStart;
    }

    List<Member> of(List<Member> replicas) {
        List<Member> ordered = new ArrayList<>(replicas.size());
        replicas.stream().filter(isSelf).forEach(ordered::add);
        List<Member> others = replicas.stream().filter(isSelf.negate()).toList();
        int start = others.isEmpty() ? 0 : randomStart.applyAsInt(others.size());
        for (int i = 0; i < others.size(); i++) {
            ordered.add(others.get((start + i) % others.size()));
        }
        return ordered;
    }
}
