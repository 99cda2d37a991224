namespace NpcEcrf.Api.Dosing;

public enum DiscontinuationReason { Progression, Toxicity, Withdrawal, Death, Other }

public sealed record FirstDoseGiven(DateOnly Date, int DoseMg);
/// <summary>A 21-day cycle: tablets on days 1-14.</summary>
public sealed record CycleRecorded(int CycleNumber, DateOnly StartDate, int DoseMg, int TabletsDispensed, int TabletsReturned);
public sealed record DoseChanged(string ChangeId, DateOnly Date, int FromMg, int ToMg, string Reason, string? AdverseEventId);
public sealed record DosingInterrupted(string InterruptionId, DateOnly Date, string Reason, string? AdverseEventId);
public sealed record DosingResumed(string InterruptionId, DateOnly Date, int DoseMg);
public sealed record TreatmentDiscontinued(DateOnly Date, DiscontinuationReason Reason, string? Details);
