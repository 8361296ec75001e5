package io.quire.mount.journal;

import io.quire.mount.Modes;
import io.quire.mount.vfs.Attr;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.DirEntry;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import io.quire.page.Checksums;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Thread-safe (stateless). Path helpers over a {@link Vfs} and the recursive listing two trees are
 * compared by: per path its inode, mode, link count, owner, size, mtime and ctime, symlink target,
 * extended attributes and (optionally) a checksum of the contents read back. Access times are left
 * out: reading a file moves them.
 */
final class Tree {
    private static final Caller ROOT = Caller.ROOT;
    /** Entries listed per directory at most (tests build small trees). */
    private static final int ENTRIES_MAX = 100_000;

    private Tree() {
    }

    static long ino(Vfs vfs, String path) {
        return vfs.resolve(ROOT, Names.of(path));
    }

    static long parent(Vfs vfs, String path) {
        int slash = path.lastIndexOf('/');
        return ino(vfs, slash <= 0 ? "/" : path.substring(0, slash));
    }

    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    static long mkdir(Vfs vfs, String path) {
        return vfs.mkdir(ROOT, parent(vfs, path), Names.of(name(path)), 0755).ino();
    }

    /** Creates (or truncates) a file holding {@code data}. */
    static long write(Vfs vfs, String path, byte[] data) {
        Vfs.Opened o = vfs.create(ROOT, parent(vfs, path), Names.of(name(path)), 0644, Modes.O_WRONLY | Modes.O_CREAT | Modes.O_TRUNC);
        try {
            if (data.length > 0) {
                vfs.write(ROOT, o.fh(), 0, data, 0, data.length);
            }
        } finally {
            vfs.release(o.fh());
        }
        return o.attr().ino();
    }

    static void rename(Vfs vfs, String from, String to, int flags) {
        vfs.rename(ROOT, parent(vfs, from), Names.of(name(from)), parent(vfs, to), Names.of(name(to)), flags);
    }

    static byte[] read(Vfs vfs, long ino) {
        long fh = vfs.open(ROOT, ino, Modes.O_RDONLY);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            long off = 0;
            for (int i = 0; i < 100_000; i++) {
                int n = vfs.read(fh, off, buf, 0, buf.length);
                if (n == 0) {
                    return out.toByteArray();
                }
                out.write(buf, 0, n);
                off += n;
            }
            throw new AssertionError("file too long for a test");
        } finally {
            vfs.release(fh);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The listing of the whole tree, path to description. */
    static SortedMap<String, String> listing(Vfs vfs, boolean contents) {
        SortedMap<String, String> out = new TreeMap<>();
        walk(vfs, "/", Vfs.ROOT_INO, contents, out);
        return out;
    }

    private static void walk(Vfs vfs, String path, long ino, boolean contents, SortedMap<String, String> out) {
        Attr a = vfs.getattr(ino);
        StringBuilder d = new StringBuilder();
        d.append("ino=").append(a.ino()).append(" mode=").append(Integer.toOctalString(a.mode()))
                .append(" nlink=").append(a.nlink()).append(" uid=").append(a.uid()).append(" gid=").append(a.gid())
                .append(" size=").append(a.size()).append(" blocks=").append(a.blocks()).append(" mtime=").append(a.mtimeNs()).append(" ctime=").append(a.ctimeNs());
        if (Modes.isSymlink(a.mode())) {
            d.append(" target=").append(new String(vfs.readlink(ino), StandardCharsets.UTF_8));
        }
        byte[] names = new byte[64 * 1024];
        int len = vfs.listxattr(ROOT, ino, names);
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (names[i] == 0) {
                String n = new String(names, start, i - start, StandardCharsets.UTF_8);
                byte[] v = new byte[64 * 1024];
                int vl = vfs.getxattr(ROOT, ino, n, v);
                d.append(" xattr:").append(n).append('=').append(Integer.toHexString(Checksums.crc32c(v, 0, vl)))
                        .append('/').append(vl);
                start = i + 1;
            }
        }
        if (contents && Modes.isRegular(a.mode())) {
            byte[] data = read(vfs, ino);
            d.append(" data=").append(HexFormat.of().toHexDigits(Checksums.crc32c(data))).append('/').append(data.length);
        }
        out.put(path, d.toString());
        if (Modes.isDir(a.mode())) {
            List<DirEntry> entries = new ArrayList<>();
            long dh = vfs.opendir(ROOT, ino);
            vfs.readdir(dh, 0, e -> {
                entries.add(e);
                return entries.size() < ENTRIES_MAX;
            });
            for (DirEntry e : entries) {
                String n = Names.show(e.name());
                if (!n.equals(".") && !n.equals("..")) {
                    walk(vfs, path.equals("/") ? "/" + n : path + "/" + n, e.ino(), contents, out);
                }
            }
        }
    }
}
