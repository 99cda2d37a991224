namespace NpcEcrf.Api.Enrolment;

public enum Sex { Male, Female }
public enum DiseasePattern { Recurrent, Metastatic, Both }

public sealed record SubjectEnrolled(string StudyId, string SiteId, string SubjectNumber, DateOnly ConsentDate, DateOnly EnrolmentDate, bool EligibilityConfirmed);
public sealed record DemographicsRecorded(Sex Sex, int YearOfBirth, int AgeAtEnrolment);
public sealed record EcogRecorded(DateOnly AssessmentDate, int Score);
public sealed record DiseaseStatusRecorded(DiseasePattern Pattern, DateOnly DiagnosisDate);
public sealed record MetastaticSitesRecorded(bool Liver, bool Lung, bool Bone, bool DistantLymphNodes, string[] Other);
public sealed record PriorTherapyRecorded(int PriorSystemicLines, bool PlatinumRefractory, bool PriorRadiotherapy);
