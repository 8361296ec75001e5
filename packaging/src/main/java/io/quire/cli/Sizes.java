package io.quire.cli;

import java.util.Locale;
import picocli.CommandLine;

/**
 * Byte sizes as people write them: {@code 4096}, {@code 64K}, {@code 10G}, {@code 1T} (binary
 * units; an optional {@code iB}/{@code B} suffix is accepted). Thread-safe (stateless).
 */
public final class Sizes implements CommandLine.ITypeConverter<Long> {
    private static final String UNITS = "KMGTP";

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    public static long parse(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            int unit = UNITS.indexOf(s.charAt(s.length() - 1));
            if (unit >= 0) {
                shift = 10 * (unit + 1);
                s = s.substring(0, s.length() - 1);
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + text + "' is not a size (examples: 4096, 64K, 10G, 1T)");
        }
    }

    /** 10737418240 -> "10 GiB"; exact multiples print without decimals. */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = Math.min(UNITS.length(), (63 - Long.numberOfLeadingZeros(bytes)) / 10);
        double value = bytes / (double) (1L << (10 * unit));
        String number = value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
        return number + " " + UNITS.charAt(unit - 1) + "iB";
    }
}
