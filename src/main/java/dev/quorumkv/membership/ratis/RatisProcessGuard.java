package dev.quorumkv.membership.ratis;

import org.apache.ratis.util.ExitUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Apache Ratis from ending the process. By default Ratis calls {@code System.exit} when a member's gRPC server
 * cannot start (its port taken, say), and installs a JVM-wide handler that exits on an uncaught exception in any
 * thread, Spring's and Netty's included. A node must instead fail its own start with an error it can report, and an
 * uncaught exception elsewhere must be logged, not turned into an exit.
 */
final class RatisProcessGuard {

    private static final Logger log = LoggerFactory.getLogger(RatisProcessGuard.class);

    private RatisProcessGuard() {
    }

    /** Idempotent; call before the first Ratis server starts. */
    static synchronized void apply() {
        // The first call into ExitUtils installs Ratis's uncaught-exception handler; replace it once it is there.
        ExitUtils.disableSystemExit();
        ExitUtils.setTerminateOnUncaughtException(false);
        Thread.UncaughtExceptionHandler current = Thread.getDefaultUncaughtExceptionHandler();
        if (current != null && current.getClass().getName().startsWith("org.apache.ratis.")) {
            Thread.setDefaultUncaughtExceptionHandler(RatisProcessGuard::logUncaught);
        }
    }

    private static void logUncaught(Thread thread, Throwable failure) {
        log.error("Uncaught exception in thread {}", thread.getName(), failure);
    }
}
