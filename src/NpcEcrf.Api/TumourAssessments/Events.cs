namespace NpcEcrf.Api.TumourAssessments;

public enum NonTargetStatus { CR, NonCRNonPD, PD, NE }

public sealed record TargetLesion(string LesionId, string Organ, bool Nodal, decimal DiameterMm);
public sealed record NonTargetLesion(string LesionId, string Organ, string Description);
public sealed record BaselineLesionsRecorded(DateOnly AssessmentDate, string Method, TargetLesion[] Targets, NonTargetLesion[] NonTargets);
/// <summary>A follow-up assessment's raw measurements; responses are derived, never entered.</summary>
public sealed record TumourAssessed(string AssessmentId, DateOnly Date, string Method, Dictionary<string, decimal?> TargetDiametersMm, NonTargetStatus NonTarget, bool NewLesions);
