package dev.quorumkv.version;

/**
 * Where a {@link HybridLogicalClock} keeps, durably, a time it has not yet stamped past: after a restart
 * the clock resumes from there, so a node never stamps behind a version it issued or stored before, even
 * when its wall clock came back slower.
 */
public interface ClockStateStore {

    /** The mark saved last, in wall-clock milliseconds; 0 when none was ever saved. */
    long load();

    /** Durably records {@code wallMillis} before any version at or past it is handed out. */
    void save(long wallMillis);

    /** For tests and single-use clocks: nothing survives. */
    ClockStateStore NONE = new ClockStateStore() {
        @Override
        public long load() {
            return 0;
        }

        @Override
        public void save(long wallMillis) {
        }
    };
}
