package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.quorumkv.membership.TopologyLog;
import dev.quorumkv.membership.TopologyLogContract;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The topology log's contract, held by a Ratis topology log of one member on 127.0.0.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RatisTopologyLogContractIntegrationTests extends TopologyLogContract {

    @TempDir
    Path dir;

    @Override
    protected TopologyLog newLog() throws Exception {
        Map<String, String> alone = Map.of("m1", "127.0.0.1:" + RaftTestGroup.freePort());
        return RatisTopologyLog.start(RaftLogSettings.bootstrap(RaftTestGroup.CLUSTER, "m1", alone, dir.resolve("m1"))
                .withRequestTimeout(RaftTestGroup.REQUEST_TIMEOUT));
    }
}
