package dev.quorumkv.api;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.antientropy.AntiEntropyReplica;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.replica.AntiEntropyCodec;
import dev.quorumkv.replica.InternalApi;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * This node's side of a peer's anti-entropy exchange: its hash trees and the keys of the segments that
 * differ. Peers only: the cluster secret is checked before this runs ({@link ClusterSecretInterceptor}).
 */
@RestController
class AntiEntropyController {

    /** A selection names each partition once with its segment bits: a few hundred kilobytes at most. */
    private static final long MAX_SELECTION_BYTES = 1024 * 1024;

    private final AntiEntropyReplica replica;
    private final int partitions;

    AntiEntropyController(AntiEntropyReplica replica, Cluster cluster) {
        this.replica = replica;
        this.partitions = cluster.partitionMap().partitions();
    }

    @GetMapping(InternalApi.AAE_ROOTS_PATH)
    ResponseEntity<byte[]> roots() {
        return binary(AntiEntropyCodec.encodeHashes(replica.roots()));
    }

    @GetMapping(InternalApi.AAE_SEGMENTS_PATH)
    ResponseEntity<byte[]> segments(@PathVariable int partition) {
        if (partition < 0 || partition >= partitions) {
            throw new InvalidPartitionException(partition, partitions);
        }
        return binary(AntiEntropyCodec.encodeHashes(replica.segments(partition)));
    }

    @PostMapping(InternalApi.AAE_STAMPS_PATH)
    ResponseEntity<byte[]> stamps(HttpServletRequest request) {
        var asked = AntiEntropyCodec.decodeSelection(RequestBodies.read(request, MAX_SELECTION_BYTES), partitions);
        return binary(AntiEntropyCodec.encodePage(replica.stamps(asked.selection(), asked.after())));
    }

    private static ResponseEntity<byte[]> binary(byte[] body) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM).body(body);
    }

    /** A partition number outside this cluster's. */
    static class InvalidPartitionException extends InvalidInputException {

        InvalidPartitionException(int partition, int partitions) {
            super("Invalid partition", "partition " + partition + " is not in 0.." + (partitions - 1));
        }
    }
}
