package mmsim.explore;

import java.util.Locale;

/**
 * How the DFS prunes schedules that only reorder independent steps ({@code --reduction}): not at
 * all (every schedule within the bound), with sleep sets, or with source-set DPOR and sleep sets.
 */
public enum ReductionMode {
    /** Every schedule within the bound: the execution counts of releases before reduction. */
    NONE,
    /** Sleep sets (Godefroid): an alternative already explored is not explored again after independent steps. */
    SLEEP,
    /**
     * Source-set DPOR (Abdulla, Aronis, Jonsson and Sagonas, POPL 2014) with sleep sets: an
     * alternative is tried only where a race of an explored execution asks for it, plus Coons et
     * al.'s backtrack for the preemption bound ({@link HappensBefore}).
     */
    DPOR;

    /** The command-line name: none, sleep, dpor. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** Parses a command-line name; IllegalArgumentException naming the input and the choices otherwise. */
    public static ReductionMode parse(String s) {
        for (ReductionMode m : values()) if (m.id().equals(s)) return m;
        throw new IllegalArgumentException("expected none, sleep or dpor, got '" + s + "'");
    }
}
