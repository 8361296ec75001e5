/**
 * The LMDB environment of a mount and its tables, one class per DBI: {@code inode},
 * {@code dirent}/{@code dirpos} (directories), {@code symlink}, {@code xattr}, {@code meta}
 * (identity and counters), {@code orphan}, {@code page} (the page cache), {@code dirty},
 * {@code remote} (remote high marks) and {@code trash} (dead page ranges). Keys are big-endian
 * so LMDB's byte order is numeric order. Table classes are stateless and take the caller's
 * transaction; {@link io.quire.mount.store.CacheEnv} is the only way to run one.
 */
package io.quire.mount.store;
