package io.quire.proto;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import java.io.IOException;

/**
 * The JSON codec of control-plane bodies and of CLI output. Thread-safe (the mapper is configured
 * once and then only used).
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private Json() {
    }

    public static ByteBuf encode(Object value) {
        try {
            byte[] bytes = MAPPER.writeValueAsBytes(value);
            if (bytes.length > Limits.JSON_BODY_MAX_BYTES) {
                throw new QuireException(Status.INTERNAL_ERROR, "JSON body too large: " + bytes.length + " bytes");
            }
            return Unpooled.wrappedBuffer(bytes);
        } catch (JsonProcessingException e) {
            throw new QuireException(Status.INTERNAL_ERROR, "cannot encode JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Decodes a body; malformed JSON is BAD_REQUEST. Does not release the buffer. */
    public static <T> T decode(ByteBuf body, Class<T> type) {
        if (body.readableBytes() > Limits.JSON_BODY_MAX_BYTES) {
            throw new QuireException(Status.BAD_REQUEST, "JSON body over " + Limits.JSON_BODY_MAX_BYTES + " bytes");
        }
        try {
            T value = MAPPER.readValue((java.io.InputStream) new ByteBufInputStream(body.duplicate()), type);
            if (value == null) {
                throw new QuireException(Status.BAD_REQUEST, "empty JSON body");
            }
            return value;
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                // The body as a whole is not a request object (an array, a number, nothing).
                throw new QuireException(Status.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
            }
            // A field with a value of the wrong type (a string where a number goes).
            throw new QuireException(Status.INVALID_ARGUMENT, "bad value for " + e.getPathReference() + ": "
                    + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new QuireException(Status.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new QuireException(Status.BAD_REQUEST, "unreadable JSON: " + e.getMessage());
        }
    }

    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new QuireException(Status.INTERNAL_ERROR, "cannot encode JSON: " + e.getOriginalMessage(), e);
        }
    }
}
