package dev.quorumkv.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for requests java.net.http refuses to send (invalid escapes,
 * NUL, unknown methods, trickled bytes). Every read is bounded by a socket timeout.
 */
final class RawHttp {

    static final int READ_TIMEOUT_MILLIS = 20_000;

    record Response(int status, Map<String, String> headers, byte[] body) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private RawHttp() {
    }

    /** Sends head (request line and headers, "Connection: close" added) and body, reads the answer. */
    static Response exchange(int port, String requestLineAndHeaders, byte[] body, boolean headRequest)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            sendTolerantly(socket, head(port, requestLineAndHeaders, body.length), body);
            return read(socket.getInputStream(), headRequest);
        }
    }

    static Response exchange(int port, String requestLineAndHeaders, byte[] body) throws IOException {
        return exchange(port, requestLineAndHeaders, body, false);
    }

    static Response exchange(int port, String requestLineAndHeaders) throws IOException {
        return exchange(port, requestLineAndHeaders, new byte[0], false);
    }

    /** Sends the body with Transfer-Encoding: chunked (no Content-Length), in chunks of chunkSize. */
    static Response exchangeChunked(int port, String requestLineAndHeaders, byte[] body, int chunkSize)
            throws IOException {
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        for (int offset = 0; offset < body.length; offset += chunkSize) {
            int size = Math.min(chunkSize, body.length - offset);
            chunked.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            chunked.write(body, offset, size);
            chunked.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        chunked.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            sendTolerantly(socket, head(port, requestLineAndHeaders + "\r\nTransfer-Encoding: chunked", 0),
                    chunked.toByteArray());
            return read(socket.getInputStream(), false);
        }
    }

    /**
     * A server may answer (413, 400) and close before reading the whole body; the answer it sent is
     * still to be read, so a failed write is not an error by itself.
     */
    private static void sendTolerantly(Socket socket, byte[] head, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        try {
            out.write(head);
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // read() below reports whether an answer arrived
        }
    }

    /** The request head as bytes; ISO-8859-1 so a test can put any byte (even NUL) in it. */
    static byte[] head(int port, String requestLineAndHeaders, int contentLength) {
        return head(port, requestLineAndHeaders, contentLength, true);
    }

    /**
     * As {@link #head(int, String, int)}; without "Connection: close" the server keeps the connection after
     * answering, so an answer sent before the whole body arrived (a refusal) is still there to read once the
     * client has sent the rest.
     */
    static byte[] head(int port, String requestLineAndHeaders, int contentLength, boolean close) {
        StringBuilder head = new StringBuilder(requestLineAndHeaders.strip()).append("\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        if (contentLength > 0) {
            head.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        if (close) {
            head.append("Connection: close\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static Response read(InputStream in, boolean headRequest) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP status line: " + statusLine);
        }
        Map<String, String> headers = new TreeMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        byte[] body;
        if (headRequest) {
            body = new byte[0];
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked(in);
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else {
            body = in.readAllBytes(); // "Connection: close" ends the body
        }
        return new Response(Integer.parseInt(parts[1]), headers, body);
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
            body.write(in.readNBytes(size));
            line(in);
        }
        while (!line(in).isEmpty()) {
            // trailers
        }
        return body.toByteArray();
    }

    private static int chunkSize(InputStream in) throws IOException {
        String line = line(in);
        int semicolon = line.indexOf(';');
        return Integer.parseInt((semicolon >= 0 ? line.substring(0, semicolon) : line).trim(), 16);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                if (line.size() == 0) {
                    throw new IOException("connection closed before a complete answer");
                }
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
