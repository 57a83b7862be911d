package dev.quorumkv.system;

import dev.quorumkv.InvalidConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * A bad setting stops start-up with its one sentence, under Spring Boot's "APPLICATION FAILED TO START",
 * instead of a stack trace through bean creation (which Boot then logs at debug level only).
 */
class InvalidConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Fix the setting named above (a property, or its QUORUMKV_* environment variable) and start the node again.",
                cause);
    }
}
