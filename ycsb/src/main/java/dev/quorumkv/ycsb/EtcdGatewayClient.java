package dev.quorumkv.ycsb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
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
 * A YCSB binding for etcd v3 through its HTTP/JSON gateway ({@code /v3/kv/*} on each member's client
 * port), so that quorumkv can be measured side by side with a store people know, under the same harness:
 * the same threads, the same one keep-alive HTTP/1.1 connection per thread to one member (round robin
 * over {@code etcd.urls}), the same record encoding ({@link RecordCodec}), base64 in etcd's JSON.
 *
 * <p>read is a range of the one key (etcd's default: a linearizable read), insert a put, delete a
 * deleterange; update is a put of every field when the workload says {@code writeallfields=true}, else
 * a range, a merge and a put, as {@link QuorumKvClient} does. scan is NOT_IMPLEMENTED.
 *
 * <p>Properties: {@code etcd.urls} (comma-separated member client urls, default http://127.0.0.1:2379),
 * {@code etcd.timeout} (milliseconds a request may take, default 10000).
 */
public class EtcdGatewayClient extends DB {

    static final String URLS = "etcd.urls";
    static final String TIMEOUT = "etcd.timeout";

    private static final AtomicInteger NEXT_URL = new AtomicInteger();
    private static final byte[] VALUE_FIELD = "\"value\":\"".getBytes(US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};

    private final RecordCodec codec = new RecordCodec();
    private final Bytes record = new Bytes(2048);
    private final Bytes request = new Bytes(4096);

    private String url;
    private byte[] head;
    private Http11Connection connection;
    private boolean writeAllFields;
    private boolean failureReported;
    /** The status of the last range: tells an absent key (2xx, no value) from a refused read. */
    private int lastStatus;

    @Override
    public void init() throws DBException {
        Properties properties = getProperties();
        URI uri = BindingSettings.pickUrl(properties, URLS, "http://127.0.0.1:2379", NEXT_URL);
        url = uri.toString();
        head = (" HTTP/1.1\r\nHost: " + uri.getRawAuthority() + "\r\nContent-Type: application/json\r\nContent-Length: ")
                .getBytes(US_ASCII);
        writeAllFields = Boolean.parseBoolean(properties.getProperty(QuorumKvClient.WRITE_ALL_FIELDS, "false"));
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
            byte[] value = range(table, key);
            if (value == null) {
                return lastStatus / 100 == 2 ? Status.NOT_FOUND : status(lastStatus);
            }
            RecordCodec.decode(value, 0, value.length, fields, result);
            return Status.OK;
        } catch (IOException | RuntimeException e) {
            return failed("range", e);
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
            byte[] value = range(table, key);
            if (value == null && lastStatus / 100 != 2) {
                return status(lastStatus);
            }
            Map<String, ByteIterator> merged = new LinkedHashMap<>();
            if (value != null) {
                RecordCodec.decode(value, 0, value.length, null, merged);
            }
            merged.putAll(values);
            return put(table, key, merged);
        } catch (IOException | RuntimeException e) {
            return failed("range then put", e);
        }
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        try {
            return put(table, key, values);
        } catch (IOException | RuntimeException e) {
            return failed("put", e);
        }
    }

    @Override
    public Status delete(String table, String key) {
        try {
            return status(post("/v3/kv/deleterange", "{\"key\":\"" + base64Key(table, key) + "\"}"));
        } catch (IOException | RuntimeException e) {
            return failed("deleterange", e);
        }
    }

    /** The record's bytes, or null when etcd holds no such key (or answered other than 2xx: see lastStatus). */
    private byte[] range(String table, String key) throws IOException {
        lastStatus = post("/v3/kv/range", "{\"key\":\"" + base64Key(table, key) + "\"}");
        if (lastStatus / 100 != 2) {
            return null;
        }
        byte[] body = connection.body();
        int start = indexOf(body, connection.bodyLength(), VALUE_FIELD);
        if (start < 0) {
            return null; // no "kvs": the key is absent
        }
        start += VALUE_FIELD.length;
        int end = start;
        while (end < connection.bodyLength() && body[end] != '"') {
            end++;
        }
        ByteBuffer decoded = Base64.getDecoder().decode(ByteBuffer.wrap(body, start, end - start));
        byte[] value = new byte[decoded.remaining()];
        decoded.get(value);
        return value;
    }

    private Status put(String table, String key, Map<String, ByteIterator> values) throws IOException {
        record.clear();
        codec.encode(values, record);
        String value = Base64.getEncoder().encodeToString(Arrays.copyOf(record.array, record.length));
        return status(post("/v3/kv/put", "{\"key\":\"" + base64Key(table, key) + "\",\"value\":\"" + value + "\"}"));
    }

    private int post(String path, String json) throws IOException {
        byte[] body = json.getBytes(US_ASCII);
        request.clear();
        request.put("POST ".getBytes(US_ASCII));
        request.put(path.getBytes(US_ASCII));
        request.put(head);
        request.putDecimal(body.length);
        request.put(CRLF);
        request.put(CRLF);
        request.put(body);
        return connection.exchange(request.array, request.length);
    }

    private static String base64Key(String table, String key) {
        return Base64.getEncoder().encodeToString((table + ":" + key).getBytes(UTF_8));
    }

    private static int indexOf(byte[] haystack, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static Status status(int code) {
        return code / 100 == 2 ? Status.OK : code == 503 ? Status.SERVICE_UNAVAILABLE : Status.ERROR;
    }

    private Status failed(String what, Exception e) {
        if (!failureReported) {
            failureReported = true;
            System.err.println("etcd-ycsb: " + what + " to " + url + " failed: " + e
                    + " (further failures of this thread are only counted)");
        }
        return Status.ERROR;
    }
}
