package io.quire.proto;

/**
 * Request types, with stable one-byte wire codes (never reused). Thread-safe (immutable).
 * Field-by-field layouts are in {@code docs/wire-protocol.md}.
 */
public enum Opcode {
    // Data plane: binary bodies.
    PING(1),
    PUT_PAGE(2),
    GET_PAGE(3),
    DELETE_PAGE(4),
    LIST_VERSIONS(5),
    SERVER_INFO(6),
    GROUP_DIGEST(7),
    // Catalog (control plane): UTF-8 JSON bodies.
    REGISTER_SERVER(32),
    HEARTBEAT(33),
    GET_CLUSTER_MAP(34),
    CREATE_VOLUME(35),
    RESIZE_VOLUME(36),
    DELETE_VOLUME(37),
    ACQUIRE_LEASE(38),
    RENEW_LEASE(39),
    RELEASE_LEASE(40),
    CLUSTER_STATUS(41),
    GROW_VOLUME(42);

    private static final Opcode[] BY_CODE = new Opcode[256];

    static {
        for (Opcode o : values()) {
            if (BY_CODE[o.code] != null) {
                throw new ExceptionInInitializerError("duplicate opcode " + o.code);
            }
            BY_CODE[o.code] = o;
        }
    }

    public final int code;

    Opcode(int code) {
        this.code = code;
    }

    /** The opcode for a wire byte, or null when unknown. */
    public static Opcode fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }

    public boolean isCatalog() {
        return code >= 32;
    }
}
