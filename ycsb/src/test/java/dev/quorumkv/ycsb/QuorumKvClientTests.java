package dev.quorumkv.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.RandomByteIterator;
import site.ycsb.Status;

class QuorumKvClientTests {

    private static final String TABLE = "usertable";

    private final List<QuorumKvClient> clients = new ArrayList<>();
    private final List<FakeNode> nodes = new ArrayList<>();
    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = node();
    }

    @AfterEach
    void stopAll() {
        clients.forEach(QuorumKvClient::cleanup);
        nodes.forEach(FakeNode::close);
    }

    @Test
    void anInsertedRecordReadsBackByteForByte() throws DBException {
        QuorumKvClient client = client(node.url());
        Map<String, byte[]> record = record();

        assertThat(client.insert(TABLE, "user1", iterators(record))).isEqualTo(Status.OK);
        Map<String, ByteIterator> result = new HashMap<>();
        assertThat(client.read(TABLE, "user1", null, result)).isEqualTo(Status.OK);

        assertThat(bytes(result)).containsOnlyKeys(record.keySet());
        record.forEach((name, value) -> assertThat(bytes(result).get(name)).as(name).isEqualTo(value));
        FakeNode.Received put = node.received.get(0);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.key()).isEqualTo("usertable:user1");
        assertThat(put.contentType()).isEqualTo("application/octet-stream");
    }

    @Test
    void theStoredValueIsTheDocumentedFormat() throws DBException {
        QuorumKvClient client = client(node.url());
        Map<String, byte[]> record = new LinkedHashMap<>();
        record.put("f", new byte[] {1, 2});
        record.put("é", new byte[0]);

        client.insert(TABLE, "k", iterators(record));

        // Per field: 2-byte name length, UTF-8 name, 4-byte value length, value.
        assertThat(node.store.get("usertable:k")).containsExactly(
                0, 1, 'f', 0, 0, 0, 2, 1, 2,
                0, 2, (byte) 0xC3, (byte) 0xA9, 0, 0, 0, 0);
    }

    @Test
    void aReadOfSomeFieldsReturnsOnlyThose() throws DBException {
        QuorumKvClient client = client(node.url());
        Map<String, byte[]> record = record();
        client.insert(TABLE, "user1", iterators(record));

        Map<String, ByteIterator> result = new HashMap<>();
        assertThat(client.read(TABLE, "user1", Set.of("field3", "field7"), result)).isEqualTo(Status.OK);

        assertThat(bytes(result)).containsOnlyKeys("field3", "field7");
        assertThat(bytes(result).get("field7")).isEqualTo(record.get("field7"));
    }

    @Test
    void aMissingRecordIsNotFound() throws DBException {
        QuorumKvClient client = client(node.url());

        assertThat(client.read(TABLE, "nobody", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
    }

    @Test
    void aDeletedRecordIsNotFound() throws DBException {
        QuorumKvClient client = client(node.url());
        client.insert(TABLE, "user1", iterators(record()));

        assertThat(client.delete(TABLE, "user1")).isEqualTo(Status.OK);

        assertThat(node.received.get(1).method()).isEqualTo("DELETE");
        assertThat(client.read(TABLE, "user1", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
    }

    @Test
    void anUnavailableOrFailingNodeIsNotOk() throws DBException {
        QuorumKvClient client = client(node.url());

        node.forcedStatus = 503;
        assertThat(client.read(TABLE, "user1", null, new HashMap<>())).isEqualTo(Status.SERVICE_UNAVAILABLE);
        assertThat(client.insert(TABLE, "user1", iterators(record())).isOk()).isFalse();
        node.forcedStatus = 500;
        assertThat(client.insert(TABLE, "user1", iterators(record()))).isEqualTo(Status.ERROR);
        assertThat(client.delete(TABLE, "user1")).isEqualTo(Status.ERROR);
    }

    @Test
    void quorumSizesAreSentOnlyWhenConfigured() throws DBException {
        QuorumKvClient plain = client(node.url());
        plain.insert(TABLE, "a", iterators(record()));
        plain.read(TABLE, "a", null, new HashMap<>());
        plain.delete(TABLE, "a");
        assertThat(node.received).extracting(FakeNode.Received::rawQuery).containsExactly(null, null, null);

        node.received.clear();
        QuorumKvClient tuned = client(node.url(), QuorumKvClient.W, "2", QuorumKvClient.R, "1");
        tuned.insert(TABLE, "a", iterators(record()));
        tuned.read(TABLE, "a", null, new HashMap<>());
        tuned.delete(TABLE, "a");
        assertThat(node.received).extracting(FakeNode.Received::method, FakeNode.Received::rawQuery)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("PUT", "w=2"),
                        org.assertj.core.groups.Tuple.tuple("GET", "r=1"),
                        org.assertj.core.groups.Tuple.tuple("DELETE", "w=2"));
    }

    @Test
    void instancesTakeTheNodesInTurn() throws IOException, DBException {
        FakeNode other = node();
        String urls = node.url() + ", " + other.url() + "/";

        for (int i = 0; i < 4; i++) {
            client(urls).insert(TABLE, "user" + i, iterators(record()));
        }

        assertThat(node.received).hasSize(2);
        assertThat(other.received).hasSize(2);
    }

    @Test
    void aPartialUpdateReadsMergesAndWritesBack() throws DBException {
        QuorumKvClient client = client(node.url());
        Map<String, byte[]> record = record();
        client.insert(TABLE, "user1", iterators(record));
        node.received.clear();

        byte[] changed = "new value".getBytes(UTF_8);
        assertThat(client.update(TABLE, "user1", iterators(Map.of("field4", changed)))).isEqualTo(Status.OK);

        assertThat(node.received).extracting(FakeNode.Received::method).containsExactly("GET", "PUT");
        record.put("field4", changed);
        Map<String, ByteIterator> result = new HashMap<>();
        client.read(TABLE, "user1", null, result);
        assertThat(bytes(result)).containsOnlyKeys(record.keySet());
        record.forEach((name, value) -> assertThat(bytes(result).get(name)).as(name).isEqualTo(value));
    }

    @Test
    void anUpdateWithWriteAllFieldsIsOneOverwrite() throws DBException {
        QuorumKvClient client = client(node.url(), QuorumKvClient.WRITE_ALL_FIELDS, "true");
        client.insert(TABLE, "user1", iterators(record()));
        node.received.clear();

        Map<String, byte[]> replacement = Map.of("field0", new byte[] {7});
        assertThat(client.update(TABLE, "user1", iterators(replacement))).isEqualTo(Status.OK);

        assertThat(node.received).extracting(FakeNode.Received::method).containsExactly("PUT");
        Map<String, ByteIterator> result = new HashMap<>();
        client.read(TABLE, "user1", null, result);
        assertThat(bytes(result)).containsOnlyKeys("field0");
    }

    @Test
    void keysThatNeedEncodingArriveAsOneIntactSegment() throws DBException {
        QuorumKvClient client = client(node.url());
        List<String> keys = List.of("a b", "a/b", "100%", "a+b?c#d&e=f", "clé-ключ-键-😀", "..");

        for (String key : keys) {
            assertThat(client.insert(TABLE, key, iterators(record()))).as(key).isEqualTo(Status.OK);
            assertThat(client.read(TABLE, key, null, new HashMap<>())).as(key).isEqualTo(Status.OK);
        }

        assertThat(node.store.keySet()).containsExactlyInAnyOrderElementsOf(
                keys.stream().map(key -> TABLE + ":" + key).toList());
        assertThat(node.received).allSatisfy(received -> {
            assertThat(received.rawPath()).startsWith("/kv/");
            assertThat(received.rawPath().substring("/kv/".length())).doesNotContain("/");
            assertThat(received.rawQuery()).isNull();
        });
    }

    @Test
    void aNodeThatDoesNotAnswerInTimeIsAnError() throws DBException {
        QuorumKvClient client = client(node.url(), QuorumKvClient.TIMEOUT, "200");
        CountDownLatch release = new CountDownLatch(1);
        node.hold = release;
        try {
            assertThat(client.read(TABLE, "user1", null, new HashMap<>())).isEqualTo(Status.ERROR);
            assertThat(client.insert(TABLE, "user1", iterators(record()))).isEqualTo(Status.ERROR);
        } finally {
            release.countDown();
        }
    }

    @Test
    void anUnreachableNodeIsAnError() throws IOException, DBException {
        FakeNode gone = node();
        String url = gone.url();
        gone.close();

        assertThat(client(url).read(TABLE, "user1", null, new HashMap<>())).isEqualTo(Status.ERROR);
    }

    @Test
    void eachInstanceKeepsOneConnection() throws DBException {
        QuorumKvClient first = client(node.url());
        QuorumKvClient second = client(node.url());

        for (int i = 0; i < 5; i++) {
            first.insert(TABLE, "user" + i, iterators(record()));
            first.read(TABLE, "user" + i, null, new HashMap<>());
            first.read(TABLE, "nobody", null, new HashMap<>());
        }
        second.read(TABLE, "user1", null, new HashMap<>());
        second.update(TABLE, "user1", iterators(Map.of("field1", new byte[] {1})));

        List<Integer> ports = node.received.stream().map(FakeNode.Received::remotePort).toList();
        assertThat(ports.subList(0, 15)).containsOnly(ports.get(0));
        assertThat(ports.subList(15, 18)).containsOnly(ports.get(15)).doesNotContain(ports.get(0));
    }

    @Test
    void chunkedAnswersReadTheSame() throws DBException {
        QuorumKvClient client = client(node.url());
        Map<String, byte[]> record = record();
        client.insert(TABLE, "user1", iterators(record));
        node.chunked = true;

        Map<String, ByteIterator> result = new HashMap<>();
        assertThat(client.read(TABLE, "user1", null, result)).isEqualTo(Status.OK);
        assertThat(client.read(TABLE, "nobody", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);

        record.forEach((name, value) -> assertThat(bytes(result).get(name)).as(name).isEqualTo(value));
        assertThat(node.received).extracting(FakeNode.Received::remotePort).containsOnly(node.received.get(0).remotePort());
    }

    @Test
    void aScanIsNotImplemented() throws DBException {
        assertThat(client(node.url()).scan(TABLE, "user1", 10, null, new java.util.Vector<>()))
                .isEqualTo(Status.NOT_IMPLEMENTED);
    }

    @Test
    void badPropertiesAreRefusedAtInit() {
        assertThatThrownBy(() -> client("ftp://127.0.0.1:1")).isInstanceOf(DBException.class).hasMessageContaining("qkv.urls");
        assertThatThrownBy(() -> client(" , ")).isInstanceOf(DBException.class).hasMessageContaining("qkv.urls");
        assertThatThrownBy(() -> client(node.url(), QuorumKvClient.W, "0")).isInstanceOf(DBException.class)
                .hasMessageContaining("qkv.w");
        assertThatThrownBy(() -> client(node.url(), QuorumKvClient.TIMEOUT, "soon")).isInstanceOf(DBException.class)
                .hasMessageContaining("qkv.timeout");
    }

    private FakeNode node() throws IOException {
        FakeNode started = new FakeNode();
        nodes.add(started);
        return started;
    }

    private QuorumKvClient client(String urls, String... properties) throws DBException {
        Properties all = new Properties();
        all.setProperty(QuorumKvClient.URLS, urls);
        for (int i = 0; i < properties.length; i += 2) {
            all.setProperty(properties[i], properties[i + 1]);
        }
        QuorumKvClient client = new QuorumKvClient();
        client.setProperties(all);
        client.init();
        clients.add(client);
        return client;
    }

    /** Ten fields of 100 bytes as YCSB writes them, and one field holding every byte value. */
    private static Map<String, byte[]> record() {
        Map<String, byte[]> record = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            record.put("field" + i, new RandomByteIterator(100).toArray());
        }
        byte[] every = new byte[256];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
        }
        record.put("binary", every);
        return record;
    }

    private static Map<String, ByteIterator> iterators(Map<String, byte[]> record) {
        Map<String, ByteIterator> values = new LinkedHashMap<>();
        record.forEach((name, value) -> values.put(name, new ByteArrayByteIterator(value)));
        return values;
    }

    private static Map<String, byte[]> bytes(Map<String, ByteIterator> result) {
        Map<String, byte[]> values = new HashMap<>();
        result.forEach((name, value) -> {
            value.reset();
            values.put(name, value.toArray());
        });
        return values;
    }
}
