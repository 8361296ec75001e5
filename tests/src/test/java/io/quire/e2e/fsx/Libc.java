package io.quire.e2e.fsx;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.LongLongByReference;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * Thread-safe (stateless native calls). The C library calls the exerciser makes as a C program
 * would: Java has no munmap, msync, fallocate or copy_file_range, and FileChannel's own choices
 * (when it maps, when it unmaps) would hide what the kernel sends to the file system.
 */
public interface Libc {
    Libc C = LibraryLoader.create(Libc.class).load("c");

    int O_RDWR = 2;
    int O_CREAT = 0100;
    int O_TRUNC = 01000;
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;
    int MS_SYNC = 4;
    int MS_INVALIDATE = 2;

    int open(String path, int flags, int mode);

    int close(int fd);

    @ssize_t long pread(int fd, @Out byte[] buf, @size_t long count, @off_t long offset);

    @ssize_t long pwrite(int fd, @In byte[] buf, @size_t long count, @off_t long offset);

    int ftruncate(int fd, @off_t long length);

    int fallocate(int fd, int mode, @off_t long offset, @off_t long length);

    @ssize_t long copy_file_range(int fdIn, LongLongByReference offIn, int fdOut, LongLongByReference offOut,
                                  @size_t long length, int flags);

    Pointer mmap(Pointer addr, @size_t long length, int prot, int flags, int fd, @off_t long offset);

    int munmap(Pointer addr, @size_t long length);

    int msync(Pointer addr, @size_t long length, int flags);

    int fsync(int fd);

    int fdatasync(int fd);

    /** errno of the last failed call on this thread. */
    static int errno() {
        return LastError.getLastError(Runtime.getRuntime(C));
    }
}
