using System.Text.RegularExpressions;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Demo;

/// <summary>
/// The second demo study, unlike the reference one: weekly gemcitabine (days 1, 8 and 15 of 28-day cycles) in mg/m2 in
/// older patients with metastatic pancreatic cancer, two arms recorded at enrolment by the G8 geriatric score, weekly
/// blood counts in a form the data manager defined, CT every 8 weeks without confirmation of response, and an amendment
/// partway through. Its protocol is Demo/Studies/gem-pdac.json; the subjects below are invented (docs/study-build.md).
/// <see cref="GemPdacCrf"/> turns each into the case report forms a CRA would enter.
/// </summary>
public static partial class GemPdacStudy
{
    public const string Name = "gem-pdac";
    public const string StudyId = "GEM-PDAC";
    public const string Title = "Weekly gemcitabine at a starting dose chosen by G8 geriatric screening in patients aged 70 or over with metastatic pancreatic adenocarcinoma";

    public static readonly (string Id, string Name, string TimeZone)[] Sites =
    [
        ("LON", "Thames Valley Oncology Centre, London", "Europe/London"),
        ("PAR", "Hopital de la Seine, Paris", "Europe/Paris"),
        ("BER", "Spree Klinikum, Berlin", "Europe/Berlin"),
    ];

    public enum Bor { PR, SD, PD, NE }

    /// <summary>How time on study ends: progression at the last scan, stopping for toxicity (scans go on), death before progression, withdrawal of consent.</summary>
    public enum End { Progression, Toxicity, Death, Withdrawal }

    /// <summary>An adverse event (or, for <see cref="LowPlateletsOnly"/>, a laboratory value alone) in a cycle.</summary>
    public sealed record Event(string Term, int Grade, int Cycle);

    /// <summary>Platelets of 75-99 x 10^9/L with no adverse event: version 1 has no thrombocytopenia term and queries such counts.</summary>
    public const string LowPlateletsOnly = "low platelets";

    /// <param name="Scans">Follow-up CTs, on day 56k - 2; with <see cref="End.Progression"/> or <see cref="End.Toxicity"/> the last shows progression.</param>
    /// <param name="EndDay">Day treatment stopped for toxicity, death or withdrawal (day 1 = first dose); progression stops it on the last scan's day.</param>
    /// <param name="OsDays">Day of death, or the last day known alive.</param>
    public sealed record Patient(
        int Id, int Site, string Arm, string Sex, int Age, int Ecog, decimal HeightCm, decimal WeightKg, string PrimarySite, bool LiverMetastases,
        bool BiliaryStent, decimal Ca199, int G8, Bor Best, int Scans, End End, int EndDay, int OsDays, bool Died, IReadOnlyList<Event> Events)
    {
        public int LastTreatmentDay => End is End.Progression ? ScanDay(Scans) : EndDay;
        public bool EnteredAfterAmendment => Id >= FirstAfterAmendment;
    }

    public static int ScanDay(int k) => 56 * k - 2;

    /// <summary>The adverse-event codes of the table below: the study's CTCAE terms (initialised before it).</summary>
    public static readonly IReadOnlyDictionary<string, string> Terms = new Dictionary<string, string>
    {
        ["N"] = "Neutrophil count decreased", ["FN"] = "Febrile neutropenia", ["A"] = "Anemia", ["NA"] = "Nausea", ["F"] = "Fatigue",
        ["P"] = PlateletCountDecreased, ["L"] = LowPlateletsOnly,
    };

    private const string S = "STD", R = "RED";

    //      id site arm sex age ecog  cm   kg   primary liver stent CA19-9  G8 best     scans end              endDay  OS  died  events: term grade@cycle
    public static readonly Patient[] Patients =
    [
        P(1, 1, S, "M", 72, 0, 174, 78, "HEAD", true, true, 1240, 16, Bor.PR, 4, End.Progression, 0, 330, true, "N3@2 NA1@1 F1@1"),
        P(2, 2, R, "F", 79, 1, 158, 52, "BODY", true, false, 3150, 12, Bor.SD, 2, End.Progression, 0, 178, true, "F2@1 A2@2"),
        P(3, 3, S, "M", 71, 1, 180, 85, "HEAD", false, true, 420, 15, Bor.SD, 3, End.Progression, 0, 262, true, "N2@1 A1@2"),
        P(4, 1, S, "F", 74, 0, 165, 61, "TAIL", true, false, 8800, 16, Bor.PD, 1, End.Progression, 0, 160, true, "F2@1"),
        P(5, 2, R, "M", 81, 2, 170, 64, "HEAD", true, true, 2600, 10, Bor.PD, 1, End.Progression, 0, 98, true, "F2@1 NA1@1"),
        P(6, 3, S, "M", 73, 0, 176, 82, "BODY", false, false, 95, 17, Bor.SD, 2, End.Progression, 0, 205, true, "NA2@1 N1@2"),
        P(7, 1, R, "F", 84, 2, 155, 47, "HEAD", true, true, 15400, 9, Bor.NE, 0, End.Death, 41, 41, true, "F3@1"),
        P(8, 2, S, "F", 70, 0, 162, 58, "TAIL", false, false, 310, 16, Bor.PR, 2, End.Progression, 0, 280, true, "N3@1 FN3@1 A2@2"),
        P(9, 3, S, "M", 75, 1, 178, 74, "HEAD", true, true, 1870, 15, Bor.SD, 4, End.Progression, 0, 371, true, "A2@3 F1@2"),
        P(10, 1, R, "M", 80, 1, 168, 60, "BODY", true, false, 4020, 13, Bor.SD, 2, End.Progression, 0, 200, true, "N2@2 L@2"),
        P(11, 2, S, "F", 72, 1, 160, 66, "HEAD", false, true, 760, 15, Bor.SD, 3, End.Toxicity, 90, 240, true, "N2@2 F3@4"),
        P(12, 3, R, "F", 82, 2, 152, 50, "TAIL", true, false, 6300, 11, Bor.PD, 1, End.Progression, 0, 115, true, "A2@1"),
        P(13, 1, S, "M", 76, 0, 183, 90, "BODY", true, false, 2240, 16, Bor.PD, 1, End.Progression, 0, 141, true, "NA1@1"),
        P(14, 2, R, "M", 78, 1, 172, 69, "HEAD", false, true, 530, 14, Bor.SD, 3, End.Progression, 0, 245, true, "N3@2"),
        P(15, 3, S, "M", 71, 0, 177, 80, "HEAD", false, true, 180, 17, Bor.SD, 5, End.Progression, 0, 402, true, "N3@3 A1@4"),
        P(16, 1, S, "F", 73, 0, 166, 63, "BODY", false, false, 88, 16, Bor.PR, 5, End.Progression, 0, 455, false, "N2@1 N3@3 F1@2"),
        P(17, 2, R, "F", 83, 2, 150, 45, "HEAD", true, true, 9800, 9, Bor.NE, 0, End.Toxicity, 26, 120, false, "FN3@1 F3@1"),
        P(18, 3, S, "M", 77, 1, 175, 71, "TAIL", true, false, 3300, 15, Bor.SD, 2, End.Progression, 0, 190, true, "A1@1"),
        P(19, 1, R, "M", 79, 1, 169, 62, "HEAD", false, true, 1450, 12, Bor.SD, 2, End.Progression, 0, 166, true, "L@1 A1@2"),
        P(20, 2, S, "F", 74, 0, 163, 59, "HEAD", false, true, 640, 16, Bor.SD, 3, End.Progression, 0, 298, true, "N2@2"),
        P(21, 3, S, "M", 72, 1, 181, 88, "BODY", true, false, 12100, 15, Bor.PD, 1, End.Progression, 0, 120, true, "NA1@1"),
        P(22, 1, R, "F", 85, 2, 154, 49, "TAIL", true, false, 7700, 10, Bor.PD, 1, End.Progression, 0, 104, true, "F1@1"),
        P(23, 2, S, "M", 70, 0, 179, 83, "HEAD", true, true, 980, 16, Bor.SD, 4, End.Progression, 0, 350, true, "N4@2 FN4@2 A2@3"),
        P(24, 3, R, "M", 80, 1, 171, 66, "BODY", false, false, 260, 13, Bor.SD, 2, End.Withdrawal, 130, 130, false, "A1@1"),
        // Entered after the amendment: bilirubin in the labs, platelets of 75-99 no longer queried, thrombocytopenia reportable.
        P(25, 1, S, "F", 71, 0, 164, 62, "HEAD", false, true, 410, 16, Bor.SD, 3, End.Progression, 0, 310, true, "N3@2 P1@2 A1@3"),
        P(26, 2, R, "M", 81, 1, 173, 67, "BODY", false, false, 720, 14, Bor.PR, 3, End.Progression, 0, 300, true, "N2@1 P2@2"),
        P(27, 3, S, "M", 73, 0, 178, 79, "TAIL", false, false, 150, 17, Bor.PR, 3, End.Progression, 0, 420, false, "N2@1 P2@2"),
        P(28, 1, S, "F", 75, 1, 161, 57, "HEAD", true, true, 5100, 15, Bor.PD, 1, End.Progression, 0, 150, true, "F1@1"),
        P(29, 2, R, "F", 84, 2, 151, 46, "HEAD", true, true, 11800, 10, Bor.PD, 1, End.Progression, 0, 90, true, "P1@1 F2@1"),
        P(30, 3, S, "M", 72, 1, 176, 77, "BODY", true, false, 2900, 15, Bor.SD, 2, End.Progression, 0, 236, true, "P1@1 NA1@1"),
        P(31, 1, R, "M", 79, 1, 167, 58, "HEAD", false, true, 1020, 13, Bor.SD, 2, End.Progression, 0, 210, true, "A3@2"),
        P(32, 2, S, "M", 71, 0, 182, 86, "HEAD", false, true, 330, 16, Bor.SD, 4, End.Progression, 0, 389, false, "N3@3 P3@3"),
        P(33, 3, R, "F", 82, 2, 156, 51, "TAIL", true, false, 8900, 11, Bor.PD, 1, End.Progression, 0, 85, true, "NA2@1"),
        P(34, 1, S, "M", 76, 1, 172, 70, "BODY", true, false, 4400, 15, Bor.PD, 1, End.Progression, 0, 133, true, "A1@1"),
        P(35, 2, R, "M", 80, 1, 170, 65, "HEAD", false, true, 610, 14, Bor.SD, 4, End.Progression, 0, 330, false, "N2@1 P3@2"),
        P(36, 3, S, "F", 70, 0, 167, 64, "BODY", false, false, 120, 17, Bor.PR, 3, End.Progression, 0, 280, false, "N1@1 P1@2"),
    ];

    /// <summary>The first subject whose forms are entered after the amendment (version 2).</summary>
    public const int FirstAfterAmendment = 25;

    /// <summary>Enrolment from June 2021, a subject every 18 days; the first dose two days after enrolment.</summary>
    public static readonly DateOnly FirstEnrolment = new(2021, 6, 7);
    public const int DaysBetweenEnrolments = 18;

    /// <summary>The interim analysis' clinical cut-off (22 subjects enrolled by then).</summary>
    public static readonly DateOnly InterimCutoff = new(2022, 6, 30);

    public static DateOnly EnrolmentDate(Patient p) => FirstEnrolment.AddDays((p.Id - 1) * DaysBetweenEnrolments);

    public static string SiteOf(Patient p) => Sites[p.Site - 1].Id;

    public static string SubjectNumber(int id) => $"GP-{id:000}";

    /// <summary>Every inclusion criterion met, no exclusion.</summary>
    public static readonly Dictionary<string, bool> Eligible = new() { ["I1"] = true, ["I2"] = true, ["I3"] = true, ["I4"] = true, ["E1"] = false, ["E2"] = false };

    public const string PlateletCountDecreased = "Platelet count decreased";

    public const string AmendmentReason =
        "Amendment 1: total bilirubin added to the weekly laboratory values (biliary obstruction in tumours of the pancreatic head); " +
        "days 8 and 15 may be given with platelets of 75 x 10^9/L or more, so the platelet soft range starts at 75; " +
        "thrombocytopenia (Platelet count decreased) added to the adverse-event terms.";

    /// <summary>
    /// Amendment 1 as the data manager writes it over version 1: a new mandatory item in the labs form, a wider soft range,
    /// a new adverse-event term. Nothing entered is taken away, so data entered under version 1 stays valid against it.
    /// </summary>
    public static StudyDefinition Amendment1(StudyDefinition v1) => v1 with
    {
        Protocol = v1.Protocol + " Amendment 1: weekly total bilirubin; days 8 and 15 given with platelets of 75 x 10^9/L or more; thrombocytopenia reported as Platelet count decreased.",
        AdverseEvents = v1.AdverseEvents with
        {
            Terms = [.. v1.AdverseEvents.Terms, new AdverseEventTerm(PlateletCountDecreased, PlateletCountDecreased, [1, 2, 3, 4], "10035528", "Investigations")],
        },
        Forms = [.. v1.StudyForms.Select(f => f.Name != "labs" ? f : f with
        {
            Groups = [.. f.Groups.Select(g => g with
            {
                Items = [.. g.Items.Select(i => i.Name == "platelets" ? i with { Soft = new RangeCheck(75, 600) } : i),
                    new Item("bilirubin", "Total bilirubin", ItemType.Float, Mandatory: true, Unit: "umol/L", Hard: new RangeCheck(0, 900), Soft: new RangeCheck(null, 51))],
            })],
        })],
    };

    private static Patient P(int id, int site, string arm, string sex, int age, int ecog, decimal cm, decimal kg, string primary, bool liver, bool stent,
        decimal ca199, int g8, Bor best, int scans, End end, int endDay, int os, bool died, string events) =>
        new(id, site, arm, sex, age, ecog, cm, kg, primary, liver, stent, ca199, g8, best, scans, end, endDay, os, died,
            events.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(e => EventPattern().Match(e) is { Success: true } m
                ? new Event(Terms[m.Groups[1].Value], m.Groups[2].Success ? int.Parse(m.Groups[2].Value) : 0, int.Parse(m.Groups[3].Value))
                : throw new FormatException($"Event '{e}' of subject {id}: write TERMgrade@cycle (N3@2).")).ToList());

    [GeneratedRegex("^([A-Z]+)([1-5])?@([0-9]+)$")]
    private static partial Regex EventPattern();
}
