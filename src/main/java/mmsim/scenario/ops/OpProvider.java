package mmsim.scenario.ops;

/** A group of operations registered together (one kernel file group's driver or user actions). */
public interface OpProvider {
    void register(OpRegistry r);
}
