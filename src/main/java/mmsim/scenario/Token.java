package mmsim.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * A word of a scenario line: bare words are split at white space, {@code "quoted text"} is one
 * token (with {@code \"} and {@code \\} escapes), and a {@code #} that starts a word begins a comment.
 */
public record Token(String text, boolean quoted, ScenarioError.Pos pos) {

    public boolean is(String word) {
        return !quoted && text.equals(word);
    }

    /** Splits one line; {@code lineNo} and {@code file} locate the tokens. */
    public static List<Token> split(String file, int lineNo, String line) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            if (c == '#') break;
            int start = i;
            if (c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < n) {
                    char q = line.charAt(i);
                    if (q == '\\' && i + 1 < n) { sb.append(line.charAt(i + 1)); i += 2; continue; }
                    if (q == '"') { closed = true; i++; break; }
                    sb.append(q);
                    i++;
                }
                if (!closed) throw new ScenarioError(file, lineNo, start + 1, "unterminated quoted string (expected a closing \")");
                out.add(new Token(sb.toString(), true, new ScenarioError.Pos(file, lineNo, start + 1)));
            } else {
                while (i < n && !Character.isWhitespace(line.charAt(i))) i++;
                out.add(new Token(line.substring(start, i), false, new ScenarioError.Pos(file, lineNo, start + 1)));
            }
        }
        return out;
    }

    /** The line with its comment removed (a {@code #} starting a word outside quotes). */
    public static String stripComment(String line) {
        boolean inQuote = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && inQuote) { i++; continue; }
            if (c == '"') inQuote = !inQuote;
            if (c == '#' && !inQuote && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) return line.substring(0, i);
        }
        return line;
    }
}
