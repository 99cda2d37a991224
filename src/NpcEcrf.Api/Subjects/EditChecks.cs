using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Subjects;

/// <summary>One finding of an edit check, named by the form field it concerns.</summary>
public sealed record CheckFinding(string CheckId, string Form, string Field, string Message);

/// <summary>
/// The casebook-wide edit checks. Hard checks refuse the change that would introduce a finding;
/// soft checks accept it and flag the finding for a data query. Both run on the casebook as it would
/// be after the change, so form commands and corrections are checked by the same rules.
/// </summary>
public static class EditChecks
{
    public static IEnumerable<CheckFinding> Hard(Casebook c, Study study, DateOnly today)
    {
        var e = c.Enrolment;
        foreach (var (form, field, date) in DatedValues(c).Where(d => d.Date > today))
            yield return new CheckFinding("date-in-future", form, field, $"{date:yyyy-MM-dd} is in the future.");
        if (e.ConsentDate > e.EnrolmentDate)
            yield return new CheckFinding("consent-after-enrolment", CasebookForms.Enrolment, "consentDate", "Informed consent must be given on or before enrolment.");
        if (c.Demographics is { } demographics && demographics.AgeAtEnrolment != e.EnrolmentDate.Year - demographics.YearOfBirth
            && demographics.AgeAtEnrolment != e.EnrolmentDate.Year - demographics.YearOfBirth - 1)
            yield return new CheckFinding("age-year-of-birth", CasebookForms.Demographics, "ageAtEnrolment",
                $"Born in {demographics.YearOfBirth}, the subject was {e.EnrolmentDate.Year - demographics.YearOfBirth - 1} or {e.EnrolmentDate.Year - demographics.YearOfBirth} at enrolment.");
        if (c.DiseaseStatus is { } disease && disease.DiagnosisDate > e.EnrolmentDate)
            yield return new CheckFinding("diagnosis-after-enrolment", CasebookForms.DiseaseStatus, "diagnosisDate", "The diagnosis must precede enrolment.");
        for (var i = 0; i < c.Contacts.Count; i++)
            if (c.Contacts[i].Date < e.EnrolmentDate)
                yield return new CheckFinding("contact-before-enrolment", CasebookForms.Contact(i + 1), "date", "A follow-up contact cannot precede enrolment.");
        if (!e.EligibilityConfirmed)
            yield return new CheckFinding("eligibility", CasebookForms.Enrolment, "eligibilityConfirmed", "Eligibility must be confirmed to enrol.");

        foreach (var (form, field, dose) in Doses(c).Where(d => !study.DoseLevelsMg.Contains(d.DoseMg)))
            yield return new CheckFinding("dose-level", form, field, $"{dose} mg/day is not a protocol dose level ({string.Join(", ", study.DoseLevelsMg)} mg/day).");
        if (c.FirstDose is { } first && first.Date < e.EnrolmentDate)
            yield return new CheckFinding("dose-before-enrolment", CasebookForms.FirstDose, "date", "The first dose cannot precede enrolment.");
        foreach (var cycle in c.Cycles)
        {
            var form = CasebookForms.Cycle(cycle.CycleNumber);
            if (c.FirstDose is null || cycle.StartDate < c.FirstDose.Date)
                yield return new CheckFinding("cycle-before-first-dose", form, "startDate", "A cycle cannot start before the first dose.");
            if (cycle.TabletsReturned > cycle.TabletsDispensed)
                yield return new CheckFinding("tablets-returned", form, "tabletsReturned", "More tablets returned than dispensed.");
        }
        foreach (var change in c.DoseChanges.Where(d => d.FromMg == d.ToMg))
            yield return new CheckFinding("dose-change-same", CasebookForms.DoseChange(change.ChangeId), "toMg", "A dose change must change the dose.");

        if (c.Baseline is { } baseline)
        {
            if (baseline.AssessmentDate < e.EnrolmentDate.AddDays(-28))
                yield return new CheckFinding("baseline-window", CasebookForms.BaselineLesions, "assessmentDate", "The baseline scan must be within 28 days before enrolment.");
            foreach (var finding in ClinicalRules.BaselineFindings(baseline)) yield return finding;
        }
        foreach (var a in c.Assessments)
        {
            var form = CasebookForms.TumourAssessment(a.AssessmentId);
            if (a.Date < e.EnrolmentDate)
                yield return new CheckFinding("assessment-before-enrolment", form, "date", "A tumour assessment cannot precede enrolment.");
            if (c.Baseline is null)
                yield return new CheckFinding("assessment-without-baseline", form, "date", "Record the baseline lesions before follow-up assessments.");
            else if (a.Date <= c.Baseline.AssessmentDate)
                yield return new CheckFinding("assessment-before-baseline", form, "date", "A follow-up assessment must come after the baseline scan.");
            else
                foreach (var id in c.Baseline.Targets.Select(t => t.LesionId).Except(a.TargetDiametersMm.Keys))
                    yield return new CheckFinding("target-missing", form, $"targetDiametersMm.{id}", $"Target lesion {id} has no entry (use null if not evaluated).");
        }

        foreach (var ae in c.AdverseEvents)
        {
            var form = CasebookForms.AdverseEvent(ae.Report.AdverseEventId);
            foreach (var grade in ae.GradeChanges.Select(g => g.Grade).Prepend(ae.Report.Grade).Distinct())
                if (ClinicalRules.GradeFinding(ae.Report.Term, grade) is { } message)
                    yield return new CheckFinding("ctcae-grade", form, "grade", message);
            if (ae.Report.OnsetDate < e.ConsentDate)
                yield return new CheckFinding("ae-before-consent", form, "onsetDate", "An adverse event on study cannot start before informed consent.");
            if (ae.ResolutionDate < ae.Report.OnsetDate)
                yield return new CheckFinding("ae-resolution", form, "resolutionDate", "Resolution cannot precede onset.");
        }
        foreach (var change in c.DoseChanges.Where(d => d.AdverseEventId is { } id && c.AdverseEvents.All(a => a.Report.AdverseEventId != id)))
            yield return new CheckFinding("unknown-adverse-event", CasebookForms.DoseChange(change.ChangeId), "adverseEventId", $"No adverse event '{change.AdverseEventId}' in this casebook.");

        if (c.Death is { } death)
        {
            var lastAlive = c.LastKnownAlive;
            if (lastAlive > death.Date)
                yield return new CheckFinding("death-before-last-contact", CasebookForms.Death, "date", $"Death cannot precede the last date known alive ({lastAlive:yyyy-MM-dd}).");
        }
    }

    public static IEnumerable<CheckFinding> Soft(Casebook c)
    {
        foreach (var change in c.DoseChanges.Where(d => d.ToMg < d.FromMg && d.AdverseEventId is null))
            yield return new CheckFinding("dose-reduction-without-ae", CasebookForms.DoseChange(change.ChangeId), "adverseEventId",
                "A dose reduction without a linked adverse event: please confirm the reason or link the event.");
        foreach (var finding in ClinicalRules.LesionGrowthFindings(c)) yield return finding;
    }

    private static IEnumerable<(string Form, string Field, DateOnly Date)> DatedValues(Casebook c)
    {
        yield return (CasebookForms.Enrolment, "consentDate", c.Enrolment.ConsentDate);
        yield return (CasebookForms.Enrolment, "enrolmentDate", c.Enrolment.EnrolmentDate);
        if (c.DiseaseStatus is { } ds) yield return (CasebookForms.DiseaseStatus, "diagnosisDate", ds.DiagnosisDate);
        if (c.Ecog is { } ecog) yield return (CasebookForms.Ecog, "assessmentDate", ecog.AssessmentDate);
        if (c.FirstDose is { } fd) yield return (CasebookForms.FirstDose, "date", fd.Date);
        foreach (var x in c.Cycles) yield return (CasebookForms.Cycle(x.CycleNumber), "startDate", x.StartDate);
        foreach (var x in c.DoseChanges) yield return (CasebookForms.DoseChange(x.ChangeId), "date", x.Date);
        foreach (var x in c.Interruptions) yield return (CasebookForms.Interruption(x.InterruptionId), "date", x.Date);
        foreach (var x in c.Resumptions) yield return (CasebookForms.Resumption(x.InterruptionId), "date", x.Date);
        if (c.Discontinuation is { } d) yield return (CasebookForms.Discontinuation, "date", d.Date);
        if (c.Baseline is { } b) yield return (CasebookForms.BaselineLesions, "assessmentDate", b.AssessmentDate);
        foreach (var x in c.Assessments) yield return (CasebookForms.TumourAssessment(x.AssessmentId), "date", x.Date);
        foreach (var x in c.AdverseEvents)
        {
            yield return (CasebookForms.AdverseEvent(x.Report.AdverseEventId), "onsetDate", x.Report.OnsetDate);
            if (x.ResolutionDate is { } r) yield return (CasebookForms.AdverseEvent(x.Report.AdverseEventId), "resolutionDate", r);
        }
        for (var i = 0; i < c.Contacts.Count; i++) yield return (CasebookForms.Contact(i + 1), "date", c.Contacts[i].Date);
        if (c.Death is { } death) yield return (CasebookForms.Death, "date", death.Date);
        if (c.LostToFollowUp is { } lost) yield return (CasebookForms.LostToFollowUp, "lastKnownAliveDate", lost.LastKnownAliveDate);
    }

    private static IEnumerable<(string Form, string Field, int DoseMg)> Doses(Casebook c)
    {
        if (c.FirstDose is { } fd) yield return (CasebookForms.FirstDose, "doseMg", fd.DoseMg);
        foreach (var x in c.Cycles) yield return (CasebookForms.Cycle(x.CycleNumber), "doseMg", x.DoseMg);
        foreach (var x in c.DoseChanges)
        {
            yield return (CasebookForms.DoseChange(x.ChangeId), "fromMg", x.FromMg);
            yield return (CasebookForms.DoseChange(x.ChangeId), "toMg", x.ToMg);
        }
        foreach (var x in c.Resumptions) yield return (CasebookForms.Resumption(x.InterruptionId), "doseMg", x.DoseMg);
    }
}
