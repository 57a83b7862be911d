package dev.quorumkv.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * @param maxInflightBytes the bytes of requests this node holds in memory at once (bodies being read or
 *                         waiting for replicas, values being sent to clients, peers' batches); beyond it a
 *                         request is refused with 503 {@code overloaded} and {@code Retry-After}. Default: a
 *                         quarter of the heap ({@code Runtime.maxMemory()}).
 */
@ConfigurationProperties("quorumkv.admission")
public record AdmissionProperties(DataSize maxInflightBytes) {

    /** The share of the heap the budget takes when none is configured. */
    static final int DEFAULT_HEAP_DIVISOR = 4;

    long resolvedMaxInflightBytes() {
        return maxInflightBytes != null ? maxInflightBytes.toBytes() : Runtime.getRuntime().maxMemory() / DEFAULT_HEAP_DIVISOR;
    }
}
