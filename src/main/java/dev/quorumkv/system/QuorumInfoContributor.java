package dev.quorumkv.system;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.Quorum;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** /actuator/info: the quorum in force, whether it is strong or eventual, and who the members are. */
@Component
class QuorumInfoContributor implements InfoContributor {

    private final Cluster cluster;
    private final Quorum quorum;

    QuorumInfoContributor(Cluster cluster, Quorum quorum) {
        this.cluster = cluster;
        this.quorum = quorum;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, String> members = new LinkedHashMap<>();
        for (Member member : cluster.members()) {
            members.put(member.id(), member.url() == null ? "(this node, single-node mode)" : member.url().toString());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("node", cluster.self().id());
        details.put("n", quorum.n());
        details.put("w", quorum.w());
        details.put("r", quorum.r());
        details.put("consistency", quorum.isStrong() ? "strong" : "eventual");
        details.put("members", members);
        builder.withDetail("quorumkv", details);
    }
}
