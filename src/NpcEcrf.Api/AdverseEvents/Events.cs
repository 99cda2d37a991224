namespace NpcEcrf.Api.AdverseEvents;

public enum Relation { NotRelated, Unlikely, Possible, Probable, Definite }
public enum ActionTaken { None, DoseReduced, Interrupted, Withdrawn }

public sealed record AdverseEventReported(string AdverseEventId, string Term, int Grade, DateOnly OnsetDate, bool Serious, Relation Relation, ActionTaken Action);
public sealed record AdverseEventGradeChanged(string AdverseEventId, DateOnly Date, int Grade);
public sealed record AdverseEventResolved(string AdverseEventId, DateOnly ResolutionDate);
