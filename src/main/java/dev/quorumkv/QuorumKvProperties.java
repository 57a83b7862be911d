package dev.quorumkv;

import java.net.InetAddress;
import java.net.UnknownHostException;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The node-wide settings that are not a feature's own.
 *
 * @param nodeId        this node's id among the cluster members; default: the host name
 * @param maxValueBytes the largest value a client may store; larger bodies are refused with 413
 */
@Validated
@ConfigurationProperties("quorumkv")
public record QuorumKvProperties(String nodeId, @DefaultValue("1MB") @NotNull DataSize maxValueBytes) {

    /** The configured node id, or the host name when none is set (a pod's name on Kubernetes). */
    public String resolvedNodeId() {
        return nodeId == null || nodeId.isBlank() ? hostName() : nodeId.strip();
    }

    private static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException ex) {
            return "localhost";
        }
    }
}
