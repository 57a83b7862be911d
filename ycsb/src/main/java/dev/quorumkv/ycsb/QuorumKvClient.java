package dev.quorumkv.ycsb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.atomic.AtomicInteger;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * The YCSB binding for quorumkv's public HTTP API. YCSB makes one instance per client thread; each
 * picks one node from {@code qkv.urls}, round robin across instances, and keeps one keep-alive HTTP/1.1
 * connection to it ({@link Http11Connection}).
 *
 * <p>A record {@code <table>/<key>} is the quorumkv key {@code <table>:<key>}, sent URL-encoded as one
 * path segment of {@code /kv/{key}}. Its value is the record's fields in a binary format,
 * Content-Type {@code application/octet-stream}: per field, a 2-byte big-endian name length, the name in
 * UTF-8, a 4-byte big-endian value length, then the value's bytes ({@link RecordCodec}).
 *
 * <p>read is a GET (200: the requested fields, 404: NOT_FOUND), insert a PUT, delete a DELETE. update is
 * an overwrite PUT when the workload says {@code writeallfields=true} (the map then holds every field);
 * otherwise YCSB passes only the changed fields and the update reads the record, merges them in and
 * writes it back. scan is NOT_IMPLEMENTED: quorumkv has no ordered iteration. Any 2xx is OK, 404
 * NOT_FOUND, 503 SERVICE_UNAVAILABLE, anything else or a failed or timed-out request ERROR.
 *
 * <p>Properties: {@code qkv.urls} (comma-separated node base urls, default http://127.0.0.1:8081),
 * {@code qkv.w} and {@code qkv.r} (when set, sent as {@code ?w=} on writes and {@code ?r=} on reads),
 * {@code qkv.timeout} (milliseconds a request may take, default 10000).
 */
public class QuorumKvClient extends DB {

    static final String URLS = "qkv.urls";
    static final String W = "qkv.w";
    static final String R = "qkv.r";
    static final String TIMEOUT = "qkv.timeout";
    /** CoreWorkload's own property: whether an update passes every field. */
    static final String WRITE_ALL_FIELDS = "writeallfields";

    private static final AtomicInteger NEXT_URL = new AtomicInteger();

    private static final byte[] GET = "GET ".getBytes(US_ASCII);
    private static final byte[] PUT = "PUT ".getBytes(US_ASCII);
    private static final byte[] DELETE = "DELETE ".getBytes(US_ASCII);
    private static final byte[] BODY_HEADERS =
            "Content-Type: application/octet-stream\r\nContent-Length: ".getBytes(US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(US_ASCII);

    private final RecordCodec codec = new RecordCodec();
    private final Bytes request = new Bytes(2048);
    private final Bytes record = new Bytes(2048);

    private String url;
    private Http11Connection connection;
    private byte[] pathPrefix;
    private byte[] readQuery;
    private byte[] writeQuery;
    private byte[] versionAndHost;
    private boolean writeAllFields;
    private boolean failureReported;

    @Override
    public void init() throws DBException {
        Properties properties = getProperties();
        URI uri = BindingSettings.pickUrl(properties, URLS, "http://127.0.0.1:8081", NEXT_URL);
        url = uri.toString();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        pathPrefix = (path + "/kv/").getBytes(US_ASCII);
        readQuery = query("r", BindingSettings.positive(properties, R, null));
        writeQuery = query("w", BindingSettings.positive(properties, W, null));
        versionAndHost = (" HTTP/1.1\r\nHost: " + uri.getRawAuthority() + "\r\n").getBytes(US_ASCII);
        writeAllFields = Boolean.parseBoolean(properties.getProperty(WRITE_ALL_FIELDS, "false"));
        connection = BindingSettings.connectionTo(uri, BindingSettings.positive(properties, TIMEOUT, "10000"));
    }

    @Override
    public void cleanup() {
        if (connection != null) {
            connection.close();
        }
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        try {
            int status = get(table, key);
            if (status / 100 != 2) {
                return status(status);
            }
            // The connection reuses its body buffer; the values handed to YCSB need their own bytes.
            byte[] value = Arrays.copyOf(connection.body(), connection.bodyLength());
            RecordCodec.decode(value, 0, value.length, fields, result);
            return Status.OK;
        } catch (IOException | RuntimeException e) {
            return failed("GET", e);
        }
    }

    @Override
    public Status scan(String table, String startkey, int recordcount, Set<String> fields,
            Vector<HashMap<String, ByteIterator>> result) {
        return Status.NOT_IMPLEMENTED;
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        if (writeAllFields) {
            return insert(table, key, values);
        }
        try {
            int status = get(table, key);
            Map<String, ByteIterator> merged = new LinkedHashMap<>();
            if (status / 100 == 2) {
                // Views into the connection's body buffer: encoded below, before the PUT reuses it.
                RecordCodec.decode(connection.body(), 0, connection.bodyLength(), null, merged);
            } else if (status != 404) {
                return status(status);
            }
            merged.putAll(values);
            return put(table, key, merged);
        } catch (IOException | RuntimeException e) {
            return failed("GET then PUT", e);
        }
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        try {
            return put(table, key, values);
        } catch (IOException | RuntimeException e) {
            return failed("PUT", e);
        }
    }

    @Override
    public Status delete(String table, String key) {
        try {
            startRequest(DELETE, table, key, writeQuery);
            request.put(CRLF);
            return status(connection.exchange(request.array, request.length));
        } catch (IOException | RuntimeException e) {
            return failed("DELETE", e);
        }
    }

    private int get(String table, String key) throws IOException {
        startRequest(GET, table, key, readQuery);
        request.put(CRLF);
        return connection.exchange(request.array, request.length);
    }

    private Status put(String table, String key, Map<String, ByteIterator> values) throws IOException {
        record.clear();
        codec.encode(values, record);
        startRequest(PUT, table, key, writeQuery);
        request.put(BODY_HEADERS);
        request.putDecimal(record.length);
        request.put(CRLF);
        request.put(CRLF);
        request.put(record.array, 0, record.length);
        return status(connection.exchange(request.array, request.length));
    }

    /** The request line and Host header, the key as one URL-encoded path segment. */
    private void startRequest(byte[] method, String table, String key, byte[] query) {
        request.clear();
        request.put(method);
        request.put(pathPrefix);
        encodeSegment(table);
        request.put((byte) ':');
        encodeSegment(key);
        request.put(query);
        request.put(versionAndHost);
    }

    /** Percent-encodes every UTF-8 byte but RFC 3986's unreserved characters; ASCII keys allocate nothing. */
    private void encodeSegment(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                for (byte b : text.getBytes(UTF_8)) {
                    encodeByte(b);
                }
                return;
            }
        }
        for (int i = 0; i < text.length(); i++) {
            encodeByte((byte) text.charAt(i));
        }
    }

    private void encodeByte(byte b) {
        if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                || b == '-' || b == '.' || b == '_' || b == '~') {
            request.put(b);
        } else {
            request.put((byte) '%');
            request.put(HEX[(b >> 4) & 0xF]);
            request.put(HEX[b & 0xF]);
        }
    }

    private static Status status(int code) {
        if (code / 100 == 2) {
            return Status.OK;
        }
        if (code == 404) {
            return Status.NOT_FOUND;
        }
        return code == 503 ? Status.SERVICE_UNAVAILABLE : Status.ERROR;
    }

    /** Counted by YCSB as ERROR; the first failure of each thread is also printed, so a run's cause shows. */
    private Status failed(String what, Exception e) {
        if (!failureReported) {
            failureReported = true;
            System.err.println("quorumkv-ycsb: " + what + " to " + url + " failed: " + e
                    + " (further failures of this thread are only counted)");
        }
        return Status.ERROR;
    }

    private static byte[] query(String name, Integer value) {
        return value == null ? new byte[0] : ("?" + name + "=" + value).getBytes(US_ASCII);
    }
}
