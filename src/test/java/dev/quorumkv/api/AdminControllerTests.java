package dev.quorumkv.api;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.coordinator.ReplicationProperties;
import dev.quorumkv.membership.AdvancePhase;
import dev.quorumkv.membership.Bootstrap;
import dev.quorumkv.membership.Claim;
import dev.quorumkv.membership.InMemoryTopologyLog;
import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyChange;
import dev.quorumkv.membership.TopologyLog;
import dev.quorumkv.membership.TopologyLogUnavailableException;
import dev.quorumkv.membership.TopologyMember;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.RequestBuilder;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** The admin API's membership calls over an in-memory topology log: 202 for a change begun or rolled back, 400, 409, 503, 401. */
class AdminControllerTests {

    private static final String SECRET = "admin-secret";
    private static final String AUTHORIZATION = "Bearer " + SECRET;

    private final TopologyLog topologyLog = new InMemoryTopologyLog();
    private MockMvc mvc;

    @BeforeEach
    void formThreeMembers() {
        List<TopologyMember> first = List.of(member(1), member(2), member(3));
        topologyLog.submit(new Bootstrap(first, 64, 3)).join();
        for (int node = 1; node <= 3; node++) {
            topologyLog.submit(new Claim("node" + node, UUID.randomUUID())).join();
        }
        mvc = mvcOver(topologyLog);
    }

    @Test
    void theTopologyComesFromTheLog() throws Exception {
        mvc.perform(get("/admin/topology").header("Authorization", AUTHORIZATION))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.epoch").value(4))
                .andExpect(jsonPath("$.partitions").value(64))
                .andExpect(jsonPath("$.members[1].id").value("node2"))
                .andExpect(jsonPath("$.members[1].url").value("http://10.0.0.2:8080"))
                .andExpect(jsonPath("$.members[1].hostId").isString())
                .andExpect(jsonPath("$.members[1].state").value("NORMAL"))
                .andExpect(jsonPath("$.moves").isEmpty());
    }

    @Test
    void aJoinIsAcceptedWithTheTopologyOfTheChangeBegun() throws Exception {
        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON)
                .content("{\"id\":\"node4\",\"url\":\"http://10.0.0.4:8080\"}"))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.epoch").value(5))
                .andExpect(jsonPath("$.members[3].id").value("node4"))
                .andExpect(jsonPath("$.members[3].state").value("JOINING"))
                .andExpect(jsonPath("$.members[3].hostId").doesNotExist())
                .andExpect(jsonPath("$.moves[0].to").value("node4"))
                .andExpect(jsonPath("$.moves[0].phase").value("WRITE_BOTH"));
    }

    @Test
    void aSecondChangeWhileOneRunsIsAConflict() throws Exception {
        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON)
                .content("{\"id\":\"node4\",\"url\":\"http://10.0.0.4:8080\"}")).andExpect(status().isAccepted());

        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON)
                .content("{\"id\":\"node5\",\"url\":\"http://10.0.0.5:8080\"}"))
                .andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.title").value("Membership change in conflict"))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("another change is in progress")));
        completed(delete("/admin/members/node1").header("Authorization", AUTHORIZATION)).andExpect(status().isConflict());
    }

    @Test
    void aBadIdOrUrlOrAMemberAlreadyThereIsABadRequest() throws Exception {
        for (String body : List.of("{\"id\":\"no/slash\",\"url\":\"http://10.0.0.9:8080\"}", "{\"id\":\"node9\",\"url\":\"ftp://10.0.0.9\"}",
                "{\"id\":\"node9\",\"url\":\"http://bad host\"}", "{\"id\":\"node9\"}", "{\"url\":\"http://10.0.0.9:8080\"}",
                "{\"id\":\"node2\",\"url\":\"http://10.0.0.9:8080\"}")) {
            completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON).content(body))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        }
        completed(delete("/admin/members/node9").header("Authorization", AUTHORIZATION)).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value("node9 is not a member of the cluster"));
    }

    @Test
    void aJoinAskedAgainByTheSameHostIsAcceptedAndChangesNothingWhileAnotherHostWithThatIdIsRefused() throws Exception {
        UUID hostId = UUID.randomUUID();
        String join = "{\"id\":\"node4\",\"url\":\"http://10.0.0.4:8080\",\"hostId\":\"" + hostId + "\"}";
        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON).content(join))
                .andExpect(status().isAccepted()).andExpect(jsonPath("$.epoch").value(5));

        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON).content(join))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.epoch").value(5))
                .andExpect(jsonPath("$.members[3].hostId").value(hostId.toString()));
        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON)
                .content("{\"id\":\"node4\",\"url\":\"http://10.0.0.4:8080\",\"hostId\":\"" + UUID.randomUUID() + "\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("already a member")));
        org.assertj.core.api.Assertions.assertThat(topologyLog.current().epoch()).isEqualTo(5);
    }

    @Test
    void aJoinIsRolledBackUntilReadsUseTheNewOwnersAndOnlyWhileOneRuns() throws Exception {
        completed(delete("/admin/change").header("Authorization", AUTHORIZATION))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("no change is in progress")));
        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON)
                .content("{\"id\":\"node4\",\"url\":\"http://10.0.0.4:8080\"}")).andExpect(status().isAccepted());
        topologyLog.submit(new AdvancePhase(topologyLog.current().epoch())).join(); // STREAMING: still before READ_NEW

        completed(delete("/admin/change").header("Authorization", AUTHORIZATION))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.members.length()").value(3))
                .andExpect(jsonPath("$.moves").isEmpty());

        completed(post("/admin/members").header("Authorization", AUTHORIZATION).contentType(MediaType.APPLICATION_JSON)
                .content("{\"id\":\"node4\",\"url\":\"http://10.0.0.4:8080\"}")).andExpect(status().isAccepted());
        topologyLog.submit(new AdvancePhase(topologyLog.current().epoch())).join();
        topologyLog.submit(new AdvancePhase(topologyLog.current().epoch())).join(); // READ_NEW
        completed(delete("/admin/change").header("Authorization", AUTHORIZATION))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("it can only go forward")));
        org.assertj.core.api.Assertions.assertThat(topologyLog.current().member("node4")).get()
                .extracting(TopologyMember::state).isEqualTo(MemberState.JOINING);
    }

    @Test
    void aLeaveThatWouldLeaveFewerThanNMembersIsABadRequest() throws Exception {
        completed(delete("/admin/members/node3").header("Authorization", AUTHORIZATION))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.title").value("Membership change refused"))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("fewer than the 3 replicas")));
    }

    @Test
    void aLeaveIsAcceptedWhenNMembersRemain() throws Exception {
        InMemoryTopologyLog four = new InMemoryTopologyLog();
        four.submit(new Bootstrap(List.of(member(1), member(2), member(3), member(4)), 64, 3)).join();
        mvc = mvcOver(four);

        completed(delete("/admin/members/node4").header("Authorization", AUTHORIZATION))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.members[3].state").value("LEAVING"))
                .andExpect(jsonPath("$.moves[0].from").value("node4"));
    }

    @Test
    void anUnavailableLogIsA503ThatSaysTheOutcomeIsUnknown() throws Exception {
        MockMvc unavailable = mvcOver(new Unavailable(topologyLog.current()));

        MvcResult started = unavailable.perform(delete("/admin/members/node1").header("Authorization", AUTHORIZATION))
                .andExpect(request().asyncStarted()).andReturn();
        unavailable.perform(asyncDispatch(started))
                .andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.title").value("Topology log unavailable"))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("a repeat is safe")));
    }

    @Test
    void withoutTheSecretNoMembershipCallIsTaken() throws Exception {
        mvc.perform(post("/admin/members").contentType(MediaType.APPLICATION_JSON)
                .content("{\"id\":\"node4\",\"url\":\"http://10.0.0.4:8080\"}"))
                .andExpect(status().isUnauthorized());
        mvc.perform(delete("/admin/members/node1").header("Authorization", "Bearer wrong")).andExpect(status().isUnauthorized());
        mvc.perform(get("/admin/topology")).andExpect(status().isUnauthorized());

        org.assertj.core.api.Assertions.assertThat(topologyLog.current().epoch()).isEqualTo(4);
    }

    private ResultActions completed(RequestBuilder request) throws Exception {
        MvcResult started = mvc.perform(request).andExpect(request().asyncStarted()).andReturn();
        return mvc.perform(asyncDispatch(started));
    }

    private static MockMvc mvcOver(TopologyLog log) {
        Cluster cluster = Cluster.fromConfiguration("node1", "node1=http://10.0.0.1:8080,node2=http://10.0.0.2:8080,node3=http://10.0.0.3:8080", 64, 3);
        AdminController controller = new AdminController(cluster, null, log, new ReplicationProperties(3, 2, 2, Duration.ofSeconds(1)));
        return MockMvcBuilders.standaloneSetup(controller).setControllerAdvice(new InternalApiExceptionHandler())
                .addMappedInterceptors(new String[] {"/admin/**"}, new ClusterSecretInterceptor(SECRET)).build();
    }

    private static TopologyMember member(int number) {
        return new TopologyMember("node" + number, null, URI.create("http://10.0.0." + number + ":8080"), MemberState.NORMAL);
    }

    /** A log with a topology that can commit nothing: no majority. */
    private record Unavailable(Topology current) implements TopologyLog {

        @Override
        public CompletableFuture<Topology> submit(TopologyChange change) {
            return CompletableFuture.failedFuture(new TopologyLogUnavailableException("no leader within 10s", null));
        }

        @Override
        public void onCommit(Consumer<Topology> listener) {
        }

        @Override
        public void close() {
        }
    }
}
