package dev.quorumkv.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package layering of docs/architecture.md, pinned. From the top:
 * <pre>
 *   system                      Spring and Tomcat wiring, error pages       imported by nobody
 *   api                         HTTP in: /kv (by raw path), /internal/replica
 *   replica                     this node as a replica, and peers over WebClient: implement coordinator.ReplicaClient
 *   storage.rocksdb             RocksDB: implements storage.ReplicaStore    imported by nobody
 *   handoff                     hinted handoff: implements coordinator.MissedWrites, delivers through ReplicaClient
 *   antientropy                 hash trees, exchanges, tombstone GC; owns its port AntiEntropyClient
 *   coordinator                 the quorum logic; owns its port ReplicaClient
 *   membership                  the topology (epochs, member states, moving partitions); owns its port TopologyLog.
 *                               Its .ratis adapter is in no layer: it implements the port, nothing imports it
 *   cluster, storage            members, partition map, failure detector; the storage port and its values
 *   version                     versions and the hybrid logical clock
 *   time                        the ticker and scheduler everything time-driven takes
 * </pre>
 */
@AnalyzeClasses(packages = "dev.quorumkv", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageRulesTests {

    @ArchTest
    static final ArchRule packagesFormNoCycles = slices().matching("dev.quorumkv.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layersOnlyLookDown = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("System").definedBy("dev.quorumkv.system..")
            .layer("Api").definedBy("dev.quorumkv.api..")
            .layer("Replica").definedBy("dev.quorumkv.replica..")
            .layer("StorageAdapter").definedBy("dev.quorumkv.storage.rocksdb..")
            .layer("Handoff").definedBy("dev.quorumkv.handoff..")
            .layer("AntiEntropy").definedBy("dev.quorumkv.antientropy..")
            .layer("Coordinator").definedBy("dev.quorumkv.coordinator..")
            .layer("Membership").definedBy("dev.quorumkv.membership")
            .layer("Cluster").definedBy("dev.quorumkv.cluster..")
            .layer("StoragePort").definedBy("dev.quorumkv.storage")
            .layer("Version").definedBy("dev.quorumkv.version..")
            .layer("Time").definedBy("dev.quorumkv.time..")
            .whereLayer("System").mayNotBeAccessedByAnyLayer()
            .whereLayer("Api").mayOnlyBeAccessedByLayers("System")
            .whereLayer("Replica").mayOnlyBeAccessedByLayers("Api")
            .whereLayer("StorageAdapter").mayNotBeAccessedByAnyLayer()
            .whereLayer("Handoff").mayOnlyBeAccessedByLayers("System", "Api", "Replica")
            .whereLayer("AntiEntropy").mayOnlyBeAccessedByLayers("Api", "Replica")
            .whereLayer("Coordinator").mayOnlyBeAccessedByLayers("System", "Api", "Replica", "Handoff", "AntiEntropy")
            .whereLayer("Membership").mayOnlyBeAccessedByLayers("System", "Api", "Replica", "Handoff", "AntiEntropy", "Coordinator")
            .whereLayer("Cluster").mayOnlyBeAccessedByLayers("System", "Api", "Replica", "Handoff", "AntiEntropy", "Coordinator",
                    "Membership")
            .whereLayer("StoragePort").mayOnlyBeAccessedByLayers("Api", "Replica", "StorageAdapter", "Handoff", "AntiEntropy",
                    "Coordinator")
            .whereLayer("Version").mayOnlyBeAccessedByLayers("Api", "Replica", "StorageAdapter", "Handoff", "AntiEntropy",
                    "Coordinator", "Membership", "Cluster", "StoragePort")
            .whereLayer("Time").mayOnlyBeAccessedByLayers("Replica", "Handoff", "AntiEntropy", "Coordinator", "Membership", "Cluster",
                    "Version");

    /** The quorum logic runs the same over HTTP and over in-memory replicas: no transport or storage engine in it. */
    @ArchTest
    static final ArchRule coordinatorKnowsNoTransportOrEngine = noClasses().that().resideInAnyPackage(
                    "dev.quorumkv.handoff..", "dev.quorumkv.antientropy..", "dev.quorumkv.coordinator..", "dev.quorumkv.membership..",
                    "dev.quorumkv.cluster..", "dev.quorumkv.version..", "dev.quorumkv.time..")
            .or().resideInAPackage("dev.quorumkv.storage")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "jakarta.servlet..", "org.springframework.http..", "org.springframework.web..", "reactor..",
                    "io.netty..", "org.apache.catalina..", "org.apache.tomcat..", "org.rocksdb..")
            .because("the quorum logic depends on its ports (ReplicaClient, TimeSource) and the storage port's values, "
                    + "never on HTTP, servlets, WebClient or RocksDB");

    /** Only the RocksDB adapter touches RocksDB. */
    @ArchTest
    static final ArchRule onlyTheAdapterUsesRocksDb = noClasses().that().resideOutsideOfPackage("dev.quorumkv.storage.rocksdb..")
            .should().dependOnClassesThat().resideInAPackage("org.rocksdb..");

    /** Consensus is a library kept behind our own interface: only the Raft log's package touches Apache Ratis. */
    @ArchTest
    static final ArchRule onlyTheRaftLogUsesRatis = noClasses().that().resideOutsideOfPackage("dev.quorumkv.membership.ratis..")
            .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
            .because("the topology depends on RaftCommandLog and ReplicatedState, never on Ratis's types");

    /** Ports belong to their user: the coordinator owns the replica port, adapters implement it from their own packages. */
    @ArchTest
    static final ArchRule thePortsLiveWithTheirUsers = classes().that().haveSimpleName("ReplicaClient")
            .or().haveSimpleName("MissedWrites")
            .should().resideInAPackage("dev.quorumkv.coordinator")
            .andShould().beInterfaces();

    /** The topology log is membership's port: the in-memory log and the Ratis adapter implement it. */
    @ArchTest
    static final ArchRule theTopologyLogIsMembershipsPort = classes().that().haveSimpleName("TopologyLog")
            .should().resideInAPackage("dev.quorumkv.membership")
            .andShould().beInterfaces();

    /** The root package (the application, node-wide settings, the two kinds of refusal) depends on no feature. */
    @ArchTest
    static final ArchRule theRootDependsOnNoFeature = noClasses().that().resideInAPackage("dev.quorumkv")
            .should().dependOnClassesThat().resideInAPackage("dev.quorumkv.(*)..");
}
