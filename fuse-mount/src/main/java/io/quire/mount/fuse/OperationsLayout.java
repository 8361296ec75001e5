package io.quire.mount.fuse;

import jnr.ffi.BaseStruct;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * Confined to the constructing thread (runs once, before mount). Sets the flag bits of libfuse
 * 2.9's {@code struct fuse_operations}, which jnr-fuse 0.5.8 declares but offers no way to set.
 *
 * <p>libfuse 2.9 lays the struct out as 38 function pointers, one {@code unsigned int} of flag
 * bits, then {@code ioctl, poll, write_buf, read_buf, flock, fallocate}. We set
 * {@code flag_nullpath_ok} (operations on an unlinked open file arrive with a null path instead
 * of failing with ENOENT inside libfuse — needed with {@code hard_remove}) and
 * {@code flag_utime_omit_ok} (UTIME_NOW and UTIME_OMIT reach utimens as such). Should a jnr-fuse
 * build lay the flags out as 32 separate ints (128 bytes), the fallocate pointer is also copied
 * to where libfuse reads it. Any other layout is left alone, with a warning.
 *
 * <p>{@link #replace} points a slot at a closure of our own declaration: {@link RawCallbacks}
 * uses it for every callback that takes a path, which jnr-fuse declares as a lossy String (and
 * for fsyncdir, which jnr-fuse 0.5.8 declares without its datasync argument, so that its {@code fi}
 * was the datasync flag read as an address and an fdatasync(2) of a directory crashed the JVM).
 */
final class OperationsLayout {
    private static final Logger log = LoggerFactory.getLogger(OperationsLayout.class);
    private static final int POINTERS_BEFORE_FLAGS = 38;
    private static final int FLAG_NULLPATH_OK = 1;
    private static final int FLAG_UTIME_OMIT_OK = 1 << 2;
    /** Bytes jnr-fuse 0.5.8 gives the flag bits (1 + 1 + 1 + 29 ints). */
    private static final int JNR_FLAG_BYTES = 32 * 4;
    private static final int FALLOCATE_SLOT_AFTER_FLAGS = 5;

    private OperationsLayout() {
    }

    /** Returns true when the flags were set. */
    static boolean patch(FuseOperations ops) {
        int ptr = Runtime.getSystemRuntime().addressSize();
        long flags = (long) POINTERS_BEFORE_FLAGS * ptr;
        long libfuseSize = flags + ptr + 6L * ptr;
        long wideFlagsSize = flags + JNR_FLAG_BYTES + 6L * ptr;
        long size = Struct.size(ops);
        Pointer mem = Struct.getMemory(ops);
        if (ptr != 8 || (size != libfuseSize && size != wideFlagsSize) || mem.getAddress(0) == 0) {
            log.warn("unexpected jnr-fuse operations layout ({} bytes, {}-byte pointers): flags not set",
                    size, ptr);
            return false;
        }
        mem.putInt(flags, FLAG_NULLPATH_OK | FLAG_UTIME_OMIT_OK);
        if (size == wideFlagsSize) {
            long from = flags + JNR_FLAG_BYTES + FALLOCATE_SLOT_AFTER_FLAGS * ptr;
            long to = flags + ptr + FALLOCATE_SLOT_AFTER_FLAGS * ptr;
            mem.putAddress(to, mem.getAddress(from));
        }
        return true;
    }

    /**
     * Points {@code slot} at {@code callback}, a closure of {@code type} (a public interface with
     * one {@code @Delegate} method of the C signature). The caller keeps {@code callback}
     * reachable for as long as the file system may be mounted.
     */
    static <T> void replace(BaseStruct.Func<?> slot, Class<T> type, T callback) {
        Pointer closure = Runtime.getSystemRuntime().getClosureManager().getClosurePointer(type, callback);
        slot.getMemory().putPointer(slot.offset(), closure);
    }
}
