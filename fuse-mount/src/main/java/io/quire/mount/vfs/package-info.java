/**
 * The POSIX layer: {@link io.quire.mount.vfs.Vfs} and one class per group of operations. It
 * knows nothing of FUSE: operations take inode numbers and a {@link io.quire.mount.vfs.Caller},
 * and fail with {@link io.quire.mount.PosixException}, so all of POSIX semantics is tested here
 * without a kernel.
 */
package io.quire.mount.vfs;
