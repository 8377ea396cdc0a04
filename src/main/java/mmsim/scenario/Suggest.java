package mmsim.scenario;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** "Did you mean" suggestions: the candidates within a small edit distance of what was typed. */
public final class Suggest {
    private Suggest() { }

    /** Up to {@code max} candidates close to {@code typed}, closest first (ties in candidate order). */
    public static List<String> close(String typed, Collection<String> candidates, int max) {
        record Scored(String s, int d, int i) { }
        List<Scored> scored = new ArrayList<>();
        String t = typed.toLowerCase(Locale.ROOT);
        int i = 0;
        int limit = Math.max(2, t.length() / 3);
        for (String c : candidates) {
            String lc = c.toLowerCase(Locale.ROOT);
            int d = distance(t, lc);
            boolean prefix = !t.isEmpty() && (lc.startsWith(t) || t.startsWith(lc) && lc.length() >= 3);
            if (d <= limit || prefix) scored.add(new Scored(c, prefix ? Math.min(d, 1) : d, i));
            i++;
        }
        scored.sort(Comparator.comparingInt(Scored::d).thenComparingInt(Scored::i));
        List<String> out = new ArrayList<>();
        for (Scored s : scored) {
            if (out.size() >= max) break;
            if (!out.contains(s.s())) out.add(s.s());
        }
        return out;
    }

    /** " (did you mean: a, b?)" or "" when nothing is close. */
    public static String didYouMean(String typed, Collection<String> candidates) {
        List<String> c = close(typed, candidates, 4);
        return c.isEmpty() ? "" : " (did you mean: " + String.join(", ", c) + "?)";
    }

    /** Damerau-Levenshtein distance (optimal string alignment): a swapped pair counts once. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
