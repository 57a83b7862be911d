package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command's way from {@link RaftCommandLog#submit} to its answer: sent through Ratis's client to the leader,
 * committed, decoded from the leader's reply, then answered once this member has applied it too.
 * <p>
 * Ratis's blocking client, one submit per thread, at most {@link #SUBMITTERS} at once: it retries at the leader a
 * follower names, each request on its own. Its asynchronous client orders one client's requests in one window, and once
 * one of them runs out of retries it fails them all and refuses every later one (3.1.3): a single submit during an
 * outage would break every submit after it.
 */
final class Submissions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Submissions.class);

    /** Submits in flight at once from one member (each holds a thread while Ratis's client waits). */
    private static final int SUBMITTERS = 4;

    private final RaftLogSettings settings;
    private final RaftClient client;
    private final CommandStateMachine stateMachine;
    private final ExecutorService callbacks;
    private final ThreadPoolExecutor senders;

    Submissions(RaftLogSettings settings, RaftClient client, CommandStateMachine stateMachine,
            ExecutorService callbacks) {
        this.settings = settings;
        this.client = client;
        this.stateMachine = stateMachine;
        this.callbacks = callbacks;
        this.senders = new ThreadPoolExecutor(SUBMITTERS, SUBMITTERS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                RaftCommandLog.daemonThreads("raft-log-" + settings.memberId() + "-submit"));
        this.senders.allowCoreThreadTimeOut(true);
    }

    CompletableFuture<byte[]> submit(byte[] command) {
        Message message = Message.valueOf(ByteString.copyFrom(command));
        CompletableFuture<RaftClientReply> sent;
        try {
            sent = CompletableFuture.supplyAsync(() -> send(message), senders);
        }
        catch (RejectedExecutionException ex) {
            return CompletableFuture.failedFuture(new RaftLogUnavailableException(settings.memberId() + " is closed", ex));
        }
        // Ratis's client gives up after the request timeout, checked when an attempt fails; an attempt may wait for
        // its reply up to the attempt timeout first. Past both, and a second, the submit fails whatever Ratis does.
        long backstopMillis = settings.requestTimeout().toMillis()
                + RatisSettings.attemptTimeout(settings).toLong(TimeUnit.MILLISECONDS) + 1000;
        return sent.orTimeout(backstopMillis, TimeUnit.MILLISECONDS)
                .handle(this::committed)
                .thenCompose(this::appliedHere);
    }

    private RaftClientReply send(Message message) {
        try {
            return client.io().send(message);
        }
        catch (IOException ex) {
            throw new CompletionException(ex);
        }
    }

    private Committed committed(RaftClientReply reply, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                    : failure;
            String why = cause instanceof TimeoutException ? "no reply" : cause.toString();
            throw new RaftLogUnavailableException("command not committed within " + settings.requestTimeout()
                    + " (" + why + "); it may still commit", cause);
        }
        if (!reply.isSuccess()) {
            throw new RaftLogUnavailableException("command not committed: " + reply.getException(),
                    reply.getException());
        }
        return new Committed(reply.getLogIndex(), Outcome.decode(reply.getMessage().getContent().toByteArray()));
    }

    private CompletableFuture<byte[]> appliedHere(Committed committed) {
        return stateMachine.awaitApplied(committed.index())
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((applied, failure) -> {
                    if (failure != null) {
                        log.warn("{}: the command at log index {} committed, but this member has not applied it "
                                + "(applied: {})", settings.memberId(), committed.index(), stateMachine.appliedIndex());
                    }
                    if (committed.result() instanceof ReplicatedState.Refused refused) {
                        throw new CommandRefusedException(refused.reason(), committed.index());
                    }
                    return ((ReplicatedState.Accepted) committed.result()).state();
                }, callbacks);
    }

    private record Committed(long index, ReplicatedState.Result result) {
    }

    /** Stops the senders; Ratis's client, closed first, has failed what they were waiting for. */
    @Override
    public void close() {
        senders.shutdownNow();
    }
}
