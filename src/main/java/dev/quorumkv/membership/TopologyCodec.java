package dev.quorumkv.membership;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;

/**
 * The bytes of the topology log: a {@link Topology} (a snapshot), a {@link TopologyChange} (a log entry), and a
 * refusal (the answer to an entry that did not apply), so the Ratis adapter moves only byte arrays. Binary, like
 * the store's other codecs ({@code VersionedCodec}, {@code ReplicaBatchCodec}): every byte is written by hand, so
 * the same topology always gives the same bytes, nothing depends on a JSON library's defaults across upgrades, and
 * a snapshot stays small (a partition's owners are 2-byte member indexes, 6 KiB for 1024 partitions and N = 3).
 *
 * <p>Format 1: a format byte (1), a type byte ({@code 'T'} topology, {@code 'B' 'J' 'L' 'R' 'A' 'X'} bootstrap,
 * join, leave, replace, advance, abort, {@code 'N'} refusal), then the fields with {@link DataOutputStream}: strings
 * as {@code writeUTF}, a UUID as two longs, an optional url as a presence byte and a string, enums as fixed codes
 * (never ordinals). A topology: epoch (long; nothing more at epoch 0), partitions and N (ints), the members (u16
 * count; id, host id, url, state), the retired host ids (int count), the owners (u8 owners per partition, then
 * each partition's owners as u16 indexes into the members), and the change (u8 0 or 1; kind, member id, phase,
 * its new owners as the owners). Decoding refuses any other version or type, truncated or trailing bytes, and a
 * topology that breaks an invariant, with {@link MalformedTopologyException}.
 */
public final class TopologyCodec {

    public static final byte FORMAT = 1;

    private static final byte TOPOLOGY = 'T';
    private static final byte BOOTSTRAP = 'B';
    private static final byte JOIN = 'J';
    private static final byte LEAVE = 'L';
    private static final byte REPLACE = 'R';
    private static final byte ADVANCE = 'A';
    private static final byte ABORT = 'X';
    private static final byte CLAIM = 'C';
    private static final byte REFUSAL = 'N';
    private static final int MAX_REASON_CHARS = 4096;
    /** Stands for no host id: a random (version 4) UUID is never all zeros. */
    private static final UUID UNCLAIMED = new UUID(0, 0);

    private TopologyCodec() {
    }

    public static byte[] encode(Topology topology) {
        return write(TOPOLOGY, out -> {
            out.writeLong(topology.epoch());
            if (topology.isEmpty()) {
                return;
            }
            out.writeInt(topology.partitions());
            out.writeInt(topology.replicas());
            writeMembers(out, topology.members());
            out.writeInt(topology.retiredHostIds().size());
            for (UUID hostId : topology.retiredHostIds()) {
                writeUuid(out, hostId);
            }
            Map<String, Integer> index = new HashMap<>();
            topology.members().forEach(member -> index.put(member.id(), index.size()));
            writeOwners(out, topology.owners(), index);
            MemberChange change = topology.change().orElse(null);
            out.writeBoolean(change != null);
            if (change != null) {
                out.writeByte(switch (change.kind()) {
                    case JOIN -> 1;
                    case LEAVE -> 2;
                    case REPLACE -> 3;
                });
                out.writeUTF(change.memberId());
                out.writeByte(phaseCode(change.phase()));
                writeOwners(out, change.pending(), index);
            }
        });
    }

    public static Topology decodeTopology(byte[] bytes) {
        return read(bytes, TOPOLOGY, in -> {
            long epoch = in.readLong();
            if (epoch == 0) {
                return Topology.empty();
            }
            int partitions = in.readInt();
            int replicas = in.readInt();
            List<TopologyMember> members = readMembers(in);
            int retiredCount = in.readInt();
            if (retiredCount < 0 || retiredCount > bytes.length / 16) {
                throw new MalformedTopologyException("it claims " + retiredCount + " retired host ids");
            }
            List<UUID> retired = new ArrayList<>();
            for (int i = 0; i < retiredCount; i++) {
                retired.add(readUuid(in));
            }
            PartitionMap owners = readOwners(in, partitions, members);
            MemberChange change = null;
            if (in.readBoolean()) {
                MemberChange.Kind kind = switch (in.readUnsignedByte()) {
                    case 1 -> MemberChange.Kind.JOIN;
                    case 2 -> MemberChange.Kind.LEAVE;
                    case 3 -> MemberChange.Kind.REPLACE;
                    default -> throw new MalformedTopologyException("unknown change kind");
                };
                change = new MemberChange(kind, in.readUTF(), phaseOf(in.readUnsignedByte()), readOwners(in, partitions, members));
            }
            return new Topology(epoch, partitions, replicas, members, retired, owners, change);
        });
    }

    public static byte[] encode(TopologyChange change) {
        // Java 17 has no switch over sealed types yet; the last branch covers the one type left.
        if (change instanceof Bootstrap bootstrap) {
            return write(BOOTSTRAP, out -> {
                writeMembers(out, bootstrap.members());
                out.writeInt(bootstrap.partitions());
                out.writeInt(bootstrap.replicas());
            });
        }
        if (change instanceof Join join) {
            return write(JOIN, out -> writeHost(out, join.id(), join.hostId() == null ? UNCLAIMED : join.hostId(), join.url()));
        }
        if (change instanceof Replace replace) {
            return write(REPLACE, out -> writeHost(out, replace.id(), replace.hostId(), replace.url()));
        }
        if (change instanceof Leave leave) {
            return write(LEAVE, out -> out.writeUTF(leave.id()));
        }
        if (change instanceof Claim claim) {
            return write(CLAIM, out -> {
                out.writeUTF(claim.id());
                writeUuid(out, claim.hostId());
            });
        }
        if (change instanceof AdvancePhase advance) {
            return write(ADVANCE, out -> out.writeLong(advance.epochExpected()));
        }
        Abort abort = (Abort) change;
        return write(ABORT, out -> out.writeLong(abort.epochExpected()));
    }

    public static TopologyChange decodeChange(byte[] bytes) {
        checkHeader(bytes);
        return switch (bytes[1]) {
            case BOOTSTRAP -> read(bytes, BOOTSTRAP, in -> new Bootstrap(readMembers(in), in.readInt(), in.readInt()));
            case JOIN -> read(bytes, JOIN, in -> new Join(in.readUTF(), unclaimedAsNull(readUuid(in)), readUrl(in)));
            case REPLACE -> read(bytes, REPLACE, in -> new Replace(in.readUTF(), readUuid(in), readUrl(in)));
            case LEAVE -> read(bytes, LEAVE, in -> new Leave(in.readUTF()));
            case CLAIM -> read(bytes, CLAIM, in -> new Claim(in.readUTF(), readUuid(in)));
            case ADVANCE -> read(bytes, ADVANCE, in -> new AdvancePhase(in.readLong()));
            case ABORT -> read(bytes, ABORT, in -> new Abort(in.readLong()));
            default -> throw new MalformedTopologyException("its type '" + (char) bytes[1] + "' is no topology change");
        };
    }

    /** The answer to a log entry that did not apply, so the node that submitted it can throw it again. */
    public static byte[] encode(TopologyChangeRefusedException refusal) {
        String reason = refusal.reason() == null ? "" : refusal.reason();
        return write(REFUSAL, out -> {
            out.writeByte(refusal.kind() == TopologyChangeRefusedException.Kind.BAD_REQUEST ? 1 : 2);
            out.writeUTF(reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS) : reason);
        });
    }

    public static TopologyChangeRefusedException decodeRefusal(byte[] bytes) {
        return read(bytes, REFUSAL, in -> {
            TopologyChangeRefusedException.Kind kind = switch (in.readUnsignedByte()) {
                case 1 -> TopologyChangeRefusedException.Kind.BAD_REQUEST;
                case 2 -> TopologyChangeRefusedException.Kind.CONFLICT;
                default -> throw new MalformedTopologyException("unknown refusal kind");
            };
            return new TopologyChangeRefusedException(kind, in.readUTF());
        });
    }

    private static void writeMembers(DataOutputStream out, List<TopologyMember> members) throws IOException {
        if (members.size() > 0xFFFF) {
            throw new IllegalArgumentException("at most 65535 members fit a topology, not " + members.size());
        }
        out.writeShort(members.size());
        for (TopologyMember member : members) {
            out.writeBoolean(member.claimed());
            writeHost(out, member.id(), member.claimed() ? member.hostId() : UNCLAIMED, member.url());
            out.writeByte(switch (member.state()) {
                case JOINING -> 1;
                case NORMAL -> 2;
                case LEAVING -> 3;
                case LEFT -> 4;
            });
        }
    }

    private static List<TopologyMember> readMembers(DataInputStream in) throws IOException {
        int count = in.readUnsignedShort();
        List<TopologyMember> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean claimed = in.readBoolean();
            String id = in.readUTF();
            UUID hostId = claimed ? readUuid(in) : skipUuid(in);
            URI url = readUrl(in);
            MemberState state = switch (in.readUnsignedByte()) {
                case 1 -> MemberState.JOINING;
                case 2 -> MemberState.NORMAL;
                case 3 -> MemberState.LEAVING;
                case 4 -> MemberState.LEFT;
                default -> throw new MalformedTopologyException("unknown member state");
            };
            members.add(new TopologyMember(id, hostId, url, state));
        }
        return members;
    }

    private static UUID unclaimedAsNull(UUID hostId) {
        return UNCLAIMED.equals(hostId) ? null : hostId;
    }

    private static void writeHost(DataOutputStream out, String id, UUID hostId, URI url) throws IOException {
        out.writeUTF(id);
        writeUuid(out, hostId);
        out.writeBoolean(url != null);
        if (url != null) {
            out.writeUTF(url.toString());
        }
    }

    private static void writeOwners(DataOutputStream out, PartitionMap map, Map<String, Integer> index) throws IOException {
        List<List<Member>> owners = map.allOwners();
        out.writeByte(owners.get(0).size());
        for (List<Member> partitionOwners : owners) {
            for (Member owner : partitionOwners) {
                out.writeShort(index.get(owner.id()));
            }
        }
    }

    private static PartitionMap readOwners(DataInputStream in, int partitions, List<TopologyMember> members) throws IOException {
        if (partitions < 1 || partitions > 65536 || Integer.bitCount(partitions) != 1) {
            throw new MalformedTopologyException("it claims " + partitions + " partitions");
        }
        int ownerCount = in.readUnsignedByte();
        List<List<Member>> owners = new ArrayList<>(partitions);
        for (int partition = 0; partition < partitions; partition++) {
            List<Member> partitionOwners = new ArrayList<>(ownerCount);
            for (int rank = 0; rank < ownerCount; rank++) {
                int member = in.readUnsignedShort();
                if (member >= members.size()) {
                    throw new MalformedTopologyException("an owner is member " + member + " of " + members.size());
                }
                partitionOwners.add(members.get(member).member());
            }
            owners.add(partitionOwners);
        }
        return PartitionMap.ofOwners(owners);
    }

    private static void writeUuid(DataOutputStream out, UUID uuid) throws IOException {
        out.writeLong(uuid.getMostSignificantBits());
        out.writeLong(uuid.getLeastSignificantBits());
    }

    private static UUID readUuid(DataInputStream in) throws IOException {
        return new UUID(in.readLong(), in.readLong());
    }

    /** An unclaimed member's host id: zeros on the wire, null in the topology. */
    private static UUID skipUuid(DataInputStream in) throws IOException {
        readUuid(in);
        return null;
    }

    private static URI readUrl(DataInputStream in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        String text = in.readUTF();
        try {
            return new URI(text);
        }
        catch (URISyntaxException ex) {
            throw new MalformedTopologyException("a url is not one: " + text);
        }
    }

    private static byte phaseCode(Phase phase) {
        return switch (phase) {
            case WRITE_BOTH -> 1;
            case STREAMING -> 2;
            case READ_NEW -> 3;
            case DROP_OLD -> 4;
        };
    }

    private static Phase phaseOf(int code) {
        return switch (code) {
            case 1 -> Phase.WRITE_BOTH;
            case 2 -> Phase.STREAMING;
            case 3 -> Phase.READ_NEW;
            case 4 -> Phase.DROP_OLD;
            default -> throw new MalformedTopologyException("unknown phase " + code);
        };
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(byte type, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeByte(type);
            writer.write(out);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("a string too long for the topology log", ex);
        }
        return bytes.toByteArray();
    }

    private static void checkHeader(byte[] bytes) {
        if (bytes == null || bytes.length < 2) {
            throw new MalformedTopologyException("it is shorter than its two header bytes");
        }
        if (bytes[0] != FORMAT) {
            throw new MalformedTopologyException("its format is " + bytes[0] + ", and this node reads format " + FORMAT);
        }
    }

    private static <T> T read(byte[] bytes, byte type, Reader<T> reader) {
        checkHeader(bytes);
        if (bytes[1] != type) {
            throw new MalformedTopologyException("its type is '" + (char) bytes[1] + "', not '" + (char) type + "'");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 2, bytes.length - 2));
        try {
            T value = reader.read(in);
            if (in.available() > 0) {
                throw new MalformedTopologyException(in.available() + " bytes follow its end");
            }
            return value;
        }
        catch (EOFException ex) {
            throw new MalformedTopologyException("it is truncated");
        }
        catch (IOException ex) { // DataInputStream on an array: only a malformed modified UTF-8 string
            throw new MalformedTopologyException("a string is malformed: " + ex.getMessage());
        }
        catch (MalformedTopologyException ex) {
            throw ex;
        }
        catch (IllegalArgumentException | NullPointerException ex) { // a topology that breaks an invariant
            throw new MalformedTopologyException("it does not hold together: " + ex.getMessage());
        }
    }

    /** Bytes that are not a topology, a change or a refusal of format 1. */
    public static class MalformedTopologyException extends IllegalArgumentException {

        public MalformedTopologyException(String reason) {
            super("Not a topology log record: " + reason);
        }
    }
}
