import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * A loopback TCP proxy that holds every chunk travelling client -> server for a fixed delay
 * and passes server -> client chunks at once: a replica that answers each request late,
 * without a slow-down switch in the product. Run without a build:
 *
 * <pre>java bench/DelayProxy.java LISTEN_PORT TARGET_PORT DELAY_MS</pre>
 *
 * One thread and one selector: at ~10k requests/s of small HTTP messages this costs a few
 * percent of a core, where a proxy with a thread per connection or an interpreter would
 * become the bottleneck it is meant to imitate. The delay is constant, so a single FIFO of
 * pending chunks is already ordered by due time, and order within a connection is kept.
 */
public final class DelayProxy {

  private static final int CHUNK = 64 * 1024;
  private static final ByteBuffer EOF = ByteBuffer.allocate(0);

  /** One accepted client connection and its connection to the target. */
  private static final class Pair {
    final SocketChannel client;
    final SocketChannel server;
    final ArrayDeque<ByteBuffer> toClient = new ArrayDeque<>();
    final ArrayDeque<ByteBuffer> toServer = new ArrayDeque<>();
    boolean serverConnected;
    boolean clientEof;
    boolean serverEof;
    boolean closed;

    Pair(SocketChannel client, SocketChannel server) {
      this.client = client;
      this.server = server;
    }
  }

  private record Held(long dueNanos, Pair pair, ByteBuffer data) {}

  private final Selector selector;
  private final InetSocketAddress target;
  private final long delayNanos;
  private final ArrayDeque<Held> held = new ArrayDeque<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(CHUNK);
  private volatile long accepted;
  private volatile long delayedChunks;

  private DelayProxy(Selector selector, InetSocketAddress target, long delayMillis) {
    this.selector = selector;
    this.target = target;
    this.delayNanos = delayMillis * 1_000_000L;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: java DelayProxy.java LISTEN_PORT TARGET_PORT DELAY_MS"
          + "  (both ports on 127.0.0.1; delays client->server data by DELAY_MS)");
      System.exit(2);
    }
    int listenPort = Integer.parseInt(args[0]);
    int targetPort = Integer.parseInt(args[1]);
    long delay = Long.parseLong(args[2]);
    Selector selector = Selector.open();
    ServerSocketChannel listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress("127.0.0.1", listenPort), 1024);
    listener.configureBlocking(false);
    listener.register(selector, SelectionKey.OP_ACCEPT);
    DelayProxy proxy = new DelayProxy(selector, new InetSocketAddress("127.0.0.1", targetPort), delay);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.printf(
        "delay-proxy stopping: %d connections accepted, %d chunks delayed%n",
        proxy.accepted, proxy.delayedChunks)));
    System.out.printf("delay-proxy listening on 127.0.0.1:%d -> 127.0.0.1:%d, +%d ms per request%n",
        listenPort, targetPort, delay);
    proxy.run(listener);
  }

  private void run(ServerSocketChannel listener) throws IOException {
    while (true) {
      long waitMillis = 0; // 0 = block until an event
      Held head = held.peekFirst();
      if (head != null) {
        long nanos = head.dueNanos - System.nanoTime();
        waitMillis = Math.max(1, (nanos + 999_999) / 1_000_000);
      }
      selector.select(waitMillis);
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        if (!key.isValid()) {
          continue;
        }
        if (key.isAcceptable()) {
          accept(listener);
          continue;
        }
        Pair pair = (Pair) key.attachment();
        try {
          handle(key, pair);
        } catch (IOException e) {
          close(pair);
        }
      }
      releaseDue();
    }
  }

  private void accept(ServerSocketChannel listener) throws IOException {
    SocketChannel client;
    while ((client = listener.accept()) != null) {
      client.configureBlocking(false);
      client.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
      SocketChannel server = SocketChannel.open();
      server.configureBlocking(false);
      server.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
      Pair pair = new Pair(client, server);
      accepted++;
      try {
        pair.serverConnected = server.connect(target);
        client.register(selector, SelectionKey.OP_READ, pair);
        server.register(selector, pair.serverConnected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, pair);
      } catch (IOException e) {
        close(pair);
      }
    }
  }

  private void handle(SelectionKey key, Pair pair) throws IOException {
    SocketChannel channel = (SocketChannel) key.channel();
    boolean isServer = channel == pair.server;
    if (key.isConnectable()) {
      channel.finishConnect();
      pair.serverConnected = true;
      updateInterest(pair);
      flush(pair, pair.server, pair.toServer);
      return;
    }
    if (key.isReadable()) {
      readBuffer.clear();
      int n = channel.read(readBuffer);
      ByteBuffer data;
      if (n < 0) {
        data = EOF;
        if (isServer) {
          pair.serverEof = true;
        } else {
          pair.clientEof = true;
        }
        updateInterest(pair);
      } else {
        readBuffer.flip();
        data = ByteBuffer.allocate(n).put(readBuffer).flip();
      }
      if (isServer) {
        pair.toClient.addLast(data);
        flush(pair, pair.client, pair.toClient);
      } else {
        held.addLast(new Held(System.nanoTime() + delayNanos, pair, data));
        delayedChunks++;
      }
    }
    if (key.isValid() && key.isWritable()) {
      if (isServer) {
        flush(pair, pair.server, pair.toServer);
      } else {
        flush(pair, pair.client, pair.toClient);
      }
    }
  }

  private void releaseDue() {
    long now = System.nanoTime();
    while (!held.isEmpty() && held.peekFirst().dueNanos - now <= 0) {
      Held h = held.pollFirst();
      if (h.pair.closed) {
        continue;
      }
      h.pair.toServer.addLast(h.data);
      try {
        flush(h.pair, h.pair.server, h.pair.toServer);
      } catch (IOException e) {
        close(h.pair);
      }
    }
  }

  /** Writes what the socket takes now; an end-of-stream marker closes the pair once reached. */
  private void flush(Pair pair, SocketChannel out, ArrayDeque<ByteBuffer> queue) throws IOException {
    if (pair.closed || (out == pair.server && !pair.serverConnected)) {
      return;
    }
    while (!queue.isEmpty()) {
      ByteBuffer head = queue.peekFirst();
      if (head == EOF) {
        close(pair);
        return;
      }
      out.write(head);
      if (head.hasRemaining()) {
        break;
      }
      queue.pollFirst();
    }
    updateInterest(pair);
  }

  private void updateInterest(Pair pair) {
    if (pair.closed) {
      return;
    }
    setInterest(pair.client, !pair.clientEof, pair.toClient.isEmpty());
    if (pair.serverConnected) {
      setInterest(pair.server, !pair.serverEof, pair.toServer.isEmpty());
    }
  }

  private void setInterest(SocketChannel channel, boolean reading, boolean queueEmpty) {
    SelectionKey key = channel.keyFor(selector);
    if (key == null || !key.isValid()) {
      return;
    }
    int ops = (reading ? SelectionKey.OP_READ : 0) | (queueEmpty ? 0 : SelectionKey.OP_WRITE);
    key.interestOps(ops);
  }

  private static void close(Pair pair) {
    pair.closed = true;
    try {
      pair.client.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      pair.server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
