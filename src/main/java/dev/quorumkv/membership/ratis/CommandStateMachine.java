package dev.quorumkv.membership.ratis;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine: applies committed commands with the caller's {@link ReplicatedState}, keeps the state and
 * the index it reflects, and writes and loads snapshots (one file, the state's bytes, named by term and index as
 * {@link SimpleStateMachineStorage} does; the leader ships that file to a member that is too far behind).
 * <p>
 * Ratis calls {@link #applyTransaction} and {@link #takeSnapshot} from one thread, in log order. Listeners and
 * {@link #awaitApplied} futures run on {@code callbacks} (one thread), so a slow listener or a caller waiting on its
 * own submit there never holds the log up.
 */
final class CommandStateMachine extends BaseStateMachine {

    private static final Logger log = LoggerFactory.getLogger(CommandStateMachine.class);

    private final ReplicatedState replicated;
    private final Executor callbacks;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final List<Consumer<byte[]>> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();

    /** Guarded by {@code this} together with the last applied term and index. */
    private byte[] state;

    CommandStateMachine(ReplicatedState replicated, Executor callbacks) {
        this.replicated = replicated;
        this.callbacks = callbacks;
        this.state = replicated.initial().clone();
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            load(storage.getLatestSnapshot());
        }, IOException.class);
    }

    /**
     * Before Ratis installs a snapshot from the leader. Its updater reloads only a machine that says it is paused
     * (and otherwise stops the server): {@link BaseStateMachine#pause()} does nothing, hence these transitions.
     */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** After Ratis installed a snapshot from the leader: load the newest one, then run again. */
    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        LogEntryProto entry = transaction.getLogEntry();
        byte[] command = entry.getStateMachineLogEntry().getLogData().toByteArray();
        ReplicatedState.Result result;
        byte[] after;
        synchronized (this) {
            result = applySafely(entry.getIndex(), command);
            if (result instanceof ReplicatedState.Accepted accepted) {
                state = accepted.state();
            }
            after = state;
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        if (result instanceof ReplicatedState.Accepted) {
            notifyListeners(after);
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(Outcome.encode(result))));
    }

    private ReplicatedState.Result applySafely(long index, byte[] command) {
        try {
            ReplicatedState.Result result = replicated.apply(state.clone(), command);
            if (result == null) {
                return new ReplicatedState.Refused("the replicated state returned no result");
            }
            return result;
        }
        catch (RuntimeException ex) {
            log.warn("Command at log index {} threw; taken as refused on every member", index, ex);
            return new ReplicatedState.Refused("apply failed: " + ex);
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex applied;
        byte[] snapshot;
        synchronized (this) {
            applied = getLastAppliedTermIndex();
            snapshot = state;
        }
        if (applied == null || applied.getIndex() < 0) {
            return -1;
        }
        File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
        try (OutputStream out = new AtomicFileOutputStream(file)) {
            out.write(snapshot);
        }
        FileInfo info = new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file));
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(info, applied));
        log.debug("Snapshot at {} ({} bytes) in {}", applied, snapshot.length, file);
        return applied.getIndex();
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        Path path = snapshot.getFile().getPath();
        if (snapshot.getFile().getFileDigest() != null) {
            MD5FileUtil.verifySavedMD5(path.toFile(), snapshot.getFile().getFileDigest());
        }
        byte[] loaded = Files.readAllBytes(path);
        TermIndex at = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(path.toFile());
        synchronized (this) {
            if (at.compareTo(getLastAppliedTermIndex()) <= 0) {
                return;
            }
            state = loaded;
            setLastAppliedTermIndex(at);
        }
        log.info("Loaded the snapshot at {} ({} bytes)", at, loaded.length);
        releaseWaiters(at.getIndex());
        notifyListeners(loaded);
    }

    /** Every applied entry, Raft's own (configuration, leader's first entry) too, goes through here. */
    @Override
    protected boolean updateLastAppliedTermIndex(TermIndex newTermIndex) {
        boolean updated = super.updateLastAppliedTermIndex(newTermIndex);
        releaseWaiters(newTermIndex.getIndex());
        return updated;
    }

    /** Completes (on the callbacks thread) once this member has applied the entry at {@code index}. */
    CompletableFuture<Void> awaitApplied(long index) {
        CompletableFuture<Void> applied = waiters.computeIfAbsent(index, i -> new CompletableFuture<>());
        releaseWaiters(appliedIndex());
        return applied;
    }

    private void releaseWaiters(long appliedIndex) {
        for (Map.Entry<Long, CompletableFuture<Void>> first = waiters.firstEntry();
                first != null && first.getKey() <= appliedIndex; first = waiters.firstEntry()) {
            CompletableFuture<Void> waiter = first.getValue();
            if (waiters.remove(first.getKey(), waiter)) {
                callbacks.execute(() -> waiter.complete(null));
            }
        }
    }

    private void notifyListeners(byte[] newState) {
        for (Consumer<byte[]> listener : listeners) {
            callbacks.execute(() -> {
                try {
                    listener.accept(newState.clone());
                }
                catch (RuntimeException ex) {
                    log.warn("A listener of the replicated state threw", ex);
                }
            });
        }
    }

    void addListener(Consumer<byte[]> listener) {
        listeners.add(listener);
    }

    synchronized byte[] state() {
        return state.clone();
    }

    long appliedIndex() {
        TermIndex applied = getLastAppliedTermIndex();
        return applied == null ? -1 : applied.getIndex();
    }

    /** The index of the newest snapshot this member holds, taken here or installed from the leader; -1 for none. */
    long snapshotIndex() {
        SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
        return latest == null ? -1 : latest.getIndex();
    }

    /** Fails what still waits: the member is closing. */
    void failWaiters(RuntimeException cause) {
        waiters.values().forEach(waiter -> waiter.completeExceptionally(cause));
        waiters.clear();
    }
}
