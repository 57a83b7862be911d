package dev.quorumkv.antientropy;

import java.util.List;

/**
 * One anti-entropy round with every peer.
 *
 * @param partitions   partitions of this node whose exchanges with every other owner completed
 * @param keysRepaired keys copied in either direction
 * @param failures     why exchanges did not complete, one line each; empty when the round completed
 */
public record RoundResult(int partitions, long keysRepaired, List<String> failures) {

    public RoundResult {
        failures = List.copyOf(failures);
    }

    public boolean complete() {
        return failures.isEmpty();
    }
}
