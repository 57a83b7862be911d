package dev.quorumkv.ycsb;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * One persistent HTTP/1.1 connection to one node, used by one YCSB thread, one request at a time.
 *
 * <p>Why not the JDK's clients: {@code java.net.http.HttpClient} runs a selector thread per client and
 * hands every exchange between threads, and {@code HttpURLConnection} shares one keep-alive cache per
 * JVM that keeps at most five idle connections per node, so 64 threads would churn connections and
 * none would be a thread's own. This class writes a request in one call and reads the answer on the
 * calling thread into buffers it reuses: no thread hand-off and no allocation per request.
 *
 * <p>It speaks the part of HTTP/1.1 a client of quorumkv meets: Content-Length and chunked bodies, a
 * body up to the close, {@code Connection: close}, interim 1xx answers. A request that finds its
 * kept-alive connection closed by the server before any answer byte is sent once more on a new
 * connection (quorumkv's GET, PUT and DELETE are idempotent). Every request has a deadline; past it
 * the connection is dropped and the request fails with a {@link SocketTimeoutException}.
 */
final class Http11Connection implements AutoCloseable {

    private static final int MAX_HEAD_LINE = 64 * 1024;

    private final String host;
    private final int port;
    private final long timeoutNanos;

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int connects;

    private byte[] input = new byte[8192];
    private int inputStart;
    private int inputEnd;
    private boolean answerStarted;

    private int contentLength;
    private boolean chunked;
    private boolean closeAfter;

    private byte[] body = new byte[8192];
    private int bodyLength;

    Http11Connection(String host, int port, long timeoutMillis) {
        this.host = host;
        this.port = port;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
    }

    /** Sends {@code request[0, length)} (a whole HTTP/1.1 request) and returns the answer's status code. */
    int exchange(byte[] request, int length) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        boolean reused = socket != null;
        try {
            if (!reused) {
                connect(deadline);
            }
            return send(request, length, deadline);
        } catch (IOException e) {
            close();
            if (!reused || answerStarted || e instanceof SocketTimeoutException) {
                throw e;
            }
        }
        // The server closed the idle connection before this request reached it: one try on a new one.
        try {
            connect(deadline);
            return send(request, length, deadline);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** The last answer's body: valid until the next exchange. */
    byte[] body() {
        return body;
    }

    int bodyLength() {
        return bodyLength;
    }

    /** How many TCP connections this connection has opened so far. */
    int connects() {
        return connects;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing is all that is left to do with it.
            }
            socket = null;
            in = null;
            out = null;
        }
        inputStart = 0;
        inputEnd = 0;
    }

    private void connect(long deadline) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), remainingMillis(deadline));
            in = s.getInputStream();
            out = s.getOutputStream();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        connects++;
    }

    private int send(byte[] request, int length, long deadline) throws IOException {
        answerStarted = false;
        bodyLength = 0;
        out.write(request, 0, length);
        int status;
        do {
            status = readHead(deadline);
        } while (status >= 100 && status < 200);
        if (status != 204 && status != 304) {
            readBody(deadline);
        }
        if (closeAfter) {
            close();
        }
        return status;
    }

    private int readHead(long deadline) throws IOException {
        contentLength = -1;
        chunked = false;
        closeAfter = false;
        int lineEnd = readLine(deadline);
        int at = inputStart;
        if (lineEnd - at < 12 || !startsWith(at, "http/1.") || input[at + 8] != ' ') {
            throw new ProtocolException("not an HTTP/1.x status line");
        }
        closeAfter = input[at + 7] == '0';
        int status = digit(at + 9) * 100 + digit(at + 10) * 10 + digit(at + 11);
        inputStart = lineEnd + 2;
        while ((lineEnd = readLine(deadline)) > inputStart) {
            header(inputStart, lineEnd);
            inputStart = lineEnd + 2;
        }
        inputStart = lineEnd + 2;
        return status;
    }

    private void header(int start, int end) throws ProtocolException {
        int colon = start;
        while (colon < end && input[colon] != ':') {
            colon++;
        }
        int value = colon + 1;
        while (value < end && (input[value] == ' ' || input[value] == '\t')) {
            value++;
        }
        int name = colon - start;
        if (name == 14 && startsWith(start, "content-length")) {
            contentLength = parseDecimal(value, end);
        } else if (name == 17 && startsWith(start, "transfer-encoding")) {
            chunked = contains(value, end, "chunked");
        } else if (name == 10 && startsWith(start, "connection")) {
            closeAfter |= contains(value, end, "close");
        }
    }

    private void readBody(long deadline) throws IOException {
        if (chunked) {
            int size;
            while ((size = chunkSize(deadline)) > 0) {
                readFully(size, deadline);
                int end = readLine(deadline);
                if (end != inputStart) {
                    throw new ProtocolException("a chunk longer than its size");
                }
                inputStart = end + 2;
            }
            int end;
            while ((end = readLine(deadline)) > inputStart) {
                inputStart = end + 2; // a trailer
            }
            inputStart = end + 2;
        } else if (contentLength >= 0) {
            readFully(contentLength, deadline);
        } else {
            // No length: the body runs to the end of the connection.
            closeAfter = true;
            while (true) {
                takeBuffered(inputEnd - inputStart);
                inputStart = inputEnd = 0;
                if (!fill(deadline)) {
                    break;
                }
            }
        }
    }

    private int chunkSize(long deadline) throws IOException {
        int end = readLine(deadline);
        int size = 0;
        int at = inputStart;
        for (; at < end && input[at] != ';' && input[at] != ' '; at++) {
            int digit = Character.digit(input[at], 16);
            if (digit < 0 || size > (Integer.MAX_VALUE >> 4)) {
                throw new ProtocolException("a bad chunk size");
            }
            size = size << 4 | digit;
        }
        if (at == inputStart) {
            throw new ProtocolException("a missing chunk size");
        }
        inputStart = end + 2;
        return size;
    }

    /** Appends {@code count} bytes of the answer to the body: first what is buffered, then from the socket. */
    private void readFully(int count, long deadline) throws IOException {
        ensureBody(count);
        int taken = takeBuffered(Math.min(count, inputEnd - inputStart));
        inputStart += taken;
        for (int left = count - taken; left > 0; ) {
            setTimeout(deadline);
            int n = in.read(body, bodyLength, left);
            if (n < 0) {
                throw new EOFException("the server closed the connection inside a body");
            }
            bodyLength += n;
            left -= n;
        }
    }

    private int takeBuffered(int count) {
        ensureBody(count);
        System.arraycopy(input, inputStart, body, bodyLength, count);
        bodyLength += count;
        return count;
    }

    private void ensureBody(int more) {
        if (bodyLength + more > body.length) {
            body = Arrays.copyOf(body, Math.max(bodyLength + more, body.length * 2));
        }
    }

    /** Returns the index of the CR of the next CRLF at or after {@code inputStart}, reading as needed. */
    private int readLine(long deadline) throws IOException {
        int from = inputStart;
        while (true) {
            for (int i = from; i + 1 < inputEnd; i++) {
                if (input[i] == '\r' && input[i + 1] == '\n') {
                    return i;
                }
            }
            from = Math.max(inputStart, inputEnd - 1);
            int start = inputStart;
            if (!fill(deadline)) {
                throw new EOFException("the server closed the connection");
            }
            from -= start - inputStart; // fill may have moved the buffered bytes to the front
        }
    }

    /** Reads more of the answer after what is buffered; false at the end of the stream. */
    private boolean fill(long deadline) throws IOException {
        if (inputEnd == input.length) {
            if (inputStart > 0) {
                System.arraycopy(input, inputStart, input, 0, inputEnd - inputStart);
                inputEnd -= inputStart;
                inputStart = 0;
            } else if (input.length < MAX_HEAD_LINE) {
                input = Arrays.copyOf(input, input.length * 2);
            } else {
                throw new ProtocolException("a header line longer than " + MAX_HEAD_LINE + " bytes");
            }
        }
        setTimeout(deadline);
        int n = in.read(input, inputEnd, input.length - inputEnd);
        if (n < 0) {
            return false;
        }
        answerStarted = true;
        inputEnd += n;
        return true;
    }

    private void setTimeout(long deadline) throws IOException {
        socket.setSoTimeout(remainingMillis(deadline));
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long millis = (deadline - System.nanoTime()) / 1_000_000L;
        if (millis <= 0) {
            throw new SocketTimeoutException("no answer within the request timeout");
        }
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    private boolean startsWith(int at, String lowerCaseAscii) {
        for (int i = 0; i < lowerCaseAscii.length(); i++) {
            if (Character.toLowerCase(input[at + i]) != lowerCaseAscii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean contains(int start, int end, String lowerCaseAscii) {
        for (int at = start; at + lowerCaseAscii.length() <= end; at++) {
            if (startsWith(at, lowerCaseAscii)) {
                return true;
            }
        }
        return false;
    }

    private int parseDecimal(int start, int end) throws ProtocolException {
        while (end > start && (input[end - 1] == ' ' || input[end - 1] == '\t')) {
            end--;
        }
        if (start == end || end - start > 9) {
            throw new ProtocolException("a bad Content-Length");
        }
        int value = 0;
        for (int at = start; at < end; at++) {
            value = value * 10 + digit(at);
        }
        return value;
    }

    private int digit(int at) throws ProtocolException {
        int d = input[at] - '0';
        if (d < 0 || d > 9) {
            throw new ProtocolException("a digit expected");
        }
        return d;
    }
}
