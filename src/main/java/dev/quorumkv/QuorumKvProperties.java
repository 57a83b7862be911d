package dev.quorumkv;

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
}
