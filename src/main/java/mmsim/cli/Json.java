package mmsim.cli;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.jr.ob.JSON;

/**
 * The {@code --json} outputs, written by jackson-jr from maps (insertion order kept), lists,
 * strings, numbers, booleans and null. Every top-level object carries a {@code schema_version}.
 */
public final class Json {
    private Json() { }

    /** null values are written (elapsed_ms is null with --reproducible): the keys stay the same in every run. */
    private static final JSON COMPACT = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);
    private static final JSON PRETTY = COMPACT.with(JSON.Feature.PRETTY_PRINT_OUTPUT);

    /** Compact JSON on one line (JSON Lines friendly). */
    public static String write(Object v) {
        return text(COMPACT, v);
    }

    /** Indented JSON, for {@code --pretty}. */
    public static String pretty(Object v) {
        return text(PRETTY, v);
    }

    private static String text(JSON json, Object v) {
        try {
            return json.asString(v);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e);   // only maps, lists and scalars are given
        }
    }
}
