package io.quire.server.catalog;

import io.quire.proto.Limits;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.regex.Pattern;

/**
 * Thread-safe (stateless) checks of request values that need no catalog state; each failure is
 * INVALID_ARGUMENT naming the field.
 */
final class Arguments {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1," + Limits.NAME_MAX_CHARS + "}");

    private Arguments() {
    }

    static QuireException invalid(String message) {
        return new QuireException(Status.INVALID_ARGUMENT, message);
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw invalid("missing field '" + field + "'");
        }
        return value;
    }

    /** Volume names, server ids and zones: safe in paths, URLs and log lines. */
    static String name(String value, String field) {
        required(value, field);
        // "." and ".." pass the character class but mean something else in a path.
        if (!NAME.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw invalid(field + " '" + printable(value) + "' must match [A-Za-z0-9._-]{1,"
                    + Limits.NAME_MAX_CHARS + "} and not be . or ..");
        }
        return value;
    }

    static long range(long value, long min, long max, String field) {
        if (value < min || value > max) {
            throw invalid(field + " " + value + " out of range " + min + ".." + max);
        }
        return value;
    }

    /** One printable line: holders and addresses end up in messages and logs. */
    static String text(String value, int maxChars, String field) {
        required(value, field);
        if (value.isEmpty() || value.length() > maxChars
                || value.chars().anyMatch(c -> Character.isISOControl(c))) {
            throw invalid(field + " must be 1.." + maxChars + " printable characters");
        }
        return value;
    }

    /** "host:port" with a port in 1..65535, as {@link io.quire.cluster.ServerEntry#port()} parses it. */
    static String address(String value) {
        text(value, CatalogLimits.ADDRESS_MAX_CHARS, "address");
        int colon = value.lastIndexOf(':');
        int port = -1;
        if (colon > 0) {
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port < 1 || port > 65535) {
            throw invalid("address '" + value + "' must be host:port with a port in 1..65535");
        }
        return value;
    }

    private static String printable(String value) {
        String cut = value.length() > Limits.NAME_MAX_CHARS ? value.substring(0, Limits.NAME_MAX_CHARS) + "..." : value;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
