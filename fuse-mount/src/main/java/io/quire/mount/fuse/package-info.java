/**
 * The jnr-fuse adapter, the only package that imports jnr-fuse:
 * {@link io.quire.mount.fuse.QuireFuse} (callbacks that translate and delegate),
 * {@link io.quire.mount.fuse.FuseGuard} (the one guard: nothing escapes to native code) and
 * {@link io.quire.mount.fuse.FuseMount} (mount options and lifecycle).
 */
package io.quire.mount.fuse;
