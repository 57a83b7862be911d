package dev.quorumkv;

/**
 * A setting that stops the node at start-up. The message is one sentence a person can act on: which
 * setting is wrong and what to set instead. {@code system.InvalidConfigurationFailureAnalyzer} prints it
 * without a stack trace.
 */
public class InvalidConfigurationException extends IllegalStateException {

    public InvalidConfigurationException(String message) {
        super(message);
    }

    public InvalidConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
