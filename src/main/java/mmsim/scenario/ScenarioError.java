package mmsim.scenario;

/**
 * A parse, validation or setup error in a scenario file, located at {@code file:line:col} the way a
 * compiler reports it, so an editor can jump to it. {@link #getMessage()} is the whole line a user
 * sees: {@code scenarios/000-x.mms:12:3: unknown operation 'ecoh' (did you mean: echo?)}.
 */
public final class ScenarioError extends RuntimeException {
    private final String file;
    private final int line;
    private final int col;
    private final String detail;

    public ScenarioError(String file, int line, int col, String detail) {
        super(file + ":" + line + ":" + col + ": " + detail, null, false, false);
        this.file = file;
        this.line = line;
        this.col = col;
        this.detail = detail;
    }

    public ScenarioError(Pos at, String detail) {
        this(at.file(), at.line(), at.col(), detail);
    }

    public String file() { return file; }
    public int line() { return line; }
    public int col() { return col; }
    /** The message without the location. */
    public String detail() { return detail; }

    /** A place in a scenario file (1-based line and column). */
    public record Pos(String file, int line, int col) {
        @Override public String toString() { return file + ":" + line + ":" + col; }
    }
}
