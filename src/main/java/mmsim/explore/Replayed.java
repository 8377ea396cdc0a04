package mmsim.explore;

import java.util.Map;

/** The result of replaying one schedule with tracing on. */
public record Replayed(Verdict verdict, Trace trace, Map<String, String> observed) { }
