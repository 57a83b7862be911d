package dev.quorumkv.membership;

/**
 * A command of the topology log: one entry, applied by every node to the topology it has, in log order. So that
 * every node computes the same next topology, {@link #apply} is pure and deterministic: no clock, no randomness,
 * no iteration over unordered collections. Anything it changes bumps the epoch by one; a refusal changes nothing.
 */
public sealed interface TopologyChange permits Bootstrap, Claim, Join, Leave, Replace, AdvancePhase, Abort {

    /**
     * The topology after this change.
     *
     * @throws TopologyChangeRefusedException when the change does not apply to this topology, saying why
     */
    Topology apply(Topology topology);
}
