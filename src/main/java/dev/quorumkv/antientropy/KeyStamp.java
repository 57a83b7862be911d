package dev.quorumkv.antientropy;

import dev.quorumkv.storage.Stamp;

/** One key a replica holds, with its stamp: an entry of the lists replicas compare for differing segments. */
public record KeyStamp(String key, Stamp stamp) {
}
