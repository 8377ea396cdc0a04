package mmsim.scenario.ops;

/** Operations every scenario has: {@code note}, and (with the machine) cat, read, echo. */
final class BasicOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        r.add("note", "note TEXT", "write TEXT into the trace of this CPU (a comment that shows up in traces)", false, a -> {
            String text = a.rest("TEXT");
            return ctx -> { ctx.kernel().note(text); return null; };
        });
    }
}
