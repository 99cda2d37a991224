namespace NpcEcrf.Api.Dosing;

public enum DiscontinuationReason { Progression, Toxicity, Withdrawal, Death, Other }

public sealed record FirstDoseGiven(DateOnly Date, decimal Dose);
/// <summary>A cycle as the protocol defines it (length, days on); units dispensed and returned where the study keeps drug accountability.</summary>
public sealed record CycleRecorded(int CycleNumber, DateOnly StartDate, decimal Dose, int? TabletsDispensed, int? TabletsReturned);
public sealed record DoseChanged(string ChangeId, DateOnly Date, decimal FromDose, decimal ToDose, string Reason, string? AdverseEventId);
public sealed record DosingInterrupted(string InterruptionId, DateOnly Date, string Reason, string? AdverseEventId);
public sealed record DosingResumed(string InterruptionId, DateOnly Date, decimal Dose);
public sealed record TreatmentDiscontinued(DateOnly Date, DiscontinuationReason Reason, string? Details);
