package dev.quorumkv.coordinator;

/** What a request or a replica call does: the {@code op} tag of the replica meters, and what a failure was. */
public enum Operation {
    READ, WRITE;

    public String label() {
        return name().toLowerCase();
    }
}
