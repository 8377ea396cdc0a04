package mmsim.explore;

/**
 * Replay strings: the CPU that ran each scheduling step, run-length encoded with the letters
 * A..H for CPUs 0..7, e.g. {@code A24B11A3} (A ran 24 steps, then B 11, then A 3). A count of
 * 1 may be omitted ({@code AB2} = {@code A1B2}).
 */
public final class Schedule {
    public static final int MAX_CPUS = 8;

    private Schedule() { }

    public static String encode(byte[] choices, int length) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < length) {
            int c = choices[i];
            int j = i;
            while (j < length && choices[j] == c) j++;
            sb.append((char) ('A' + c)).append(j - i);
            i = j;
        }
        return sb.toString();
    }

    /** Parses a replay string; a malformed one is an IllegalArgumentException naming the position. */
    public static byte[] decode(String schedule) {
        String s = schedule.strip();
        if (s.isEmpty()) throw new IllegalArgumentException("empty schedule: expected CPU letters with counts, e.g. A24B11");
        byte[] out = new byte[16];
        int n = 0;
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (ch < 'A' || ch >= 'A' + MAX_CPUS) {
                throw new IllegalArgumentException("bad schedule '" + schedule + "' at position " + i + ": expected a CPU letter A.."
                        + (char) ('A' + MAX_CPUS - 1) + ", found '" + ch + "'");
            }
            int j = i + 1;
            long count = 0;
            while (j < s.length() && Character.isDigit(s.charAt(j))) {
                count = count * 10 + (s.charAt(j) - '0');
                if (count > 100_000_000) throw new IllegalArgumentException("bad schedule '" + schedule + "' at position " + i + ": count too large");
                j++;
            }
            if (j == i + 1) count = 1;
            if (count == 0) throw new IllegalArgumentException("bad schedule '" + schedule + "' at position " + (i + 1) + ": count 0");
            while (n + count > out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
            for (int k = 0; k < count; k++) out[n++] = (byte) (ch - 'A');
            i = j;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Character position in the replay string of step {@code step}, for error messages. */
    static int positionOf(String schedule, int step) {
        String s = schedule.strip();
        int seen = 0;
        int i = 0;
        while (i < s.length()) {
            int j = i + 1;
            long count = 0;
            while (j < s.length() && Character.isDigit(s.charAt(j))) count = count * 10 + (s.charAt(j++) - '0');
            if (j == i + 1) count = 1;
            if (step < seen + count) return i;
            seen += (int) count;
            i = j;
        }
        return s.length();
    }

    static String cpuLetter(int cpu) {
        return String.valueOf((char) ('A' + cpu));
    }

    static String letters(long mask) {
        StringBuilder sb = new StringBuilder();
        for (long m = mask; m != 0; m &= m - 1) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(cpuLetter(Long.numberOfTrailingZeros(m)));
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
