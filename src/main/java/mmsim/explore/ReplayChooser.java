package mmsim.explore;

/** Follows a recorded schedule exactly; a recorded choice that is not runnable is a loud error. */
final class ReplayChooser implements Engine.Chooser {
    private final String text;
    private final byte[] schedule;

    ReplayChooser(String text, byte[] schedule) {
        this.text = text;
        this.schedule = schedule;
    }

    int length() { return schedule.length; }

    @Override
    public int choose(int step, int cur, long en) {
        if (step >= schedule.length) {
            throw new IllegalArgumentException("schedule '" + abbreviated() + "' ends after " + schedule.length
                    + " steps but the execution goes on (runnable: " + Schedule.letters(en) + ")");
        }
        int c = schedule[step];
        if ((en & (1L << c)) == 0) {
            throw new IllegalArgumentException("schedule '" + abbreviated() + "' diverges at step " + step + " (position "
                    + Schedule.positionOf(text, step) + "): CPU " + Schedule.cpuLetter(c) + " is not runnable there (runnable: "
                    + Schedule.letters(en) + ")");
        }
        return c;
    }

    private String abbreviated() {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
