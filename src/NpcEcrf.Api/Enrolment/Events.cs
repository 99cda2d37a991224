namespace NpcEcrf.Api.Enrolment;

/// <param name="Arm">The arm the subject was assigned to (recorded, not randomised by the product).</param>
/// <param name="Eligibility">Each eligibility criterion of the study's definition, by id: met (true) or not met (false).</param>
public sealed record SubjectEnrolled(string StudyId, string SiteId, string SubjectNumber, DateOnly ConsentDate, DateOnly EnrolmentDate, string Arm,
    IReadOnlyDictionary<string, bool> Eligibility);
/// <param name="Sex">A code of the study's SEX code list (CDISC: M, F, U, UNDIFFERENTIATED).</param>
public sealed record DemographicsRecorded(string Sex, int YearOfBirth, int AgeAtEnrolment);
public sealed record EcogRecorded(DateOnly AssessmentDate, int Score);
