package dev.quorumkv.cluster;

import java.net.URI;

/**
 * One node of the cluster.
 *
 * @param url the base URL its peers reach it at; null only for a single-node store, which has no peers
 */
public record Member(String id, URI url) {

    @Override
    public String toString() {
        return id;
    }
}
