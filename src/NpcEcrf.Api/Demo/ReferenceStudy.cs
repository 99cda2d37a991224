namespace NpcEcrf.Api.Demo;

/// <summary>
/// The seed study's 30 patients (Jiang, Qin et al., Radiol Oncol 2025;59(4):617-623) as the derived facts of
/// the twin cohort (shared/data/paper/twin-patients.csv), one readable line each. <see cref="ReferenceStudyCrf"/>
/// turns them into the raw case-report-form entries a CRA would make; the product's own derivations must give
/// these facts back.
/// </summary>
public static class ReferenceStudy
{
    public const string StudyId = "ANLO-NPC";
    public const string Title = "Anlotinib monotherapy in recurrent or metastatic nasopharyngeal carcinoma: a multicenter case series";

    public static readonly (string Id, string Name)[] Sites =
    [
        ("S1", "Affiliated Hospital of Guilin Medical University"),
        ("S2", "Lingshan People's Hospital"),
        ("S3", "Guiping People's Hospital"),
        ("S4", "Nanxishan Hospital of Guangxi Zhuang Autonomous Region"),
        ("S5", "The 924th Hospital of the Chinese PLA"),
        ("S6", "Wuzhou Red Cross Hospital"),
        ("S7", "Laibin People's Hospital"),
    ];

    /// <summary>The paper's adverse-event terms, in the order of its table (and of <see cref="Patient.WorstGrades"/>).</summary>
    public static readonly string[] AdverseEventTerms =
    [
        "Hand-foot syndrome", "Hypertension", "Oral mucositis", "Hypothyroidism", "Fatigue",
        "Proteinuria", "Positive urinary occult blood", "Leukopenia", "Nasal bleeding", "Arthralgia",
    ];

    public enum Bor { PR, SD, PD }

    /// <param name="FinalDose">Dose at the end of treatment (the twin's dose_mg).</param>
    /// <param name="WorstGrades">Worst CTCAE grade per term of <see cref="AdverseEventTerms"/> (0 = none).</param>
    public sealed record Patient(
        int Id, int Site, int Age, string Pattern, bool PlatinumRefractory, bool LiverMetastases, int FinalDose, int Cycles, Bor BestResponse,
        double PfsMonths, bool Progressed, double OsMonths, bool Died, int[] WorstGrades)
    {
        /// <summary>Days from the first dose (day 1), as ADTTE counts them: round(months x 30.4375).</summary>
        public int PfsDays => (int)Math.Round(PfsMonths * 30.4375, MidpointRounding.AwayFromZero);
        public int OsDays => (int)Math.Round(OsMonths * 30.4375, MidpointRounding.AwayFromZero);
    }

    //                      id site age pattern       plat  liver  dose cyc  BOR      PFS mo  ev     OS mo   died   HFS HT OM HY FA PU UB LE NB AR
    public static readonly Patient[] Patients =
    [
        new(1, 7, 35, "metastatic", true, true, 12, 2, Bor.PD, 1.2, true, 3.371, true, [2, 0, 3, 1, 2, 0, 1, 0, 0, 0]),
        new(2, 2, 42, "both", true, false, 12, 2, Bor.PD, 1.36, true, 4.993, true, [0, 1, 0, 0, 1, 0, 0, 0, 0, 0]),
        new(3, 5, 58, "metastatic", true, true, 10, 2, Bor.PD, 1.36, true, 3.848, true, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
        new(4, 3, 45, "metastatic", false, true, 12, 2, Bor.PD, 1.52, true, 4.569, true, [2, 0, 1, 2, 0, 0, 0, 0, 0, 0]),
        new(5, 1, 60, "both", true, false, 12, 2, Bor.PD, 1.68, true, 5.557, true, [3, 3, 0, 0, 1, 0, 0, 0, 3, 0]),
        new(6, 1, 41, "both", false, false, 12, 2, Bor.PD, 1.68, true, 3.877, true, [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]),
        new(7, 5, 41, "metastatic", true, true, 12, 2, Bor.PD, 1.84, true, 3.472, true, [1, 1, 2, 1, 1, 1, 0, 0, 0, 0]),
        new(8, 7, 76, "metastatic", true, true, 12, 3, Bor.PD, 2.0, true, 5.61, true, [3, 0, 0, 0, 0, 0, 1, 0, 0, 0]),
        new(9, 1, 47, "both", false, true, 10, 4, Bor.SD, 2.835, true, 6.48, true, [1, 0, 3, 0, 1, 0, 0, 0, 0, 0]),
        new(10, 4, 70, "recurrent", false, false, 12, 5, Bor.SD, 3.671, true, 8.077, true, [2, 0, 3, 0, 0, 1, 0, 0, 0, 0]),
        new(11, 1, 72, "recurrent", true, false, 10, 6, Bor.SD, 4.506, true, 13.257, true, [1, 0, 0, 0, 2, 0, 0, 0, 0, 0]),
        new(12, 7, 53, "recurrent", false, false, 12, 6, Bor.SD, 4.506, true, 9.947, true, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
        new(13, 3, 52, "recurrent", true, false, 12, 7, Bor.SD, 5.342, true, 13.137, true, [0, 0, 1, 1, 0, 1, 0, 0, 0, 0]),
        new(14, 4, 59, "both", false, true, 10, 8, Bor.SD, 5.521, true, 9.863, true, [2, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
        new(15, 1, 55, "recurrent", true, false, 12, 8, Bor.SD, 5.521, false, 5.521, false, [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]),
        new(16, 1, 58, "both", true, false, 12, 8, Bor.SD, 5.7, true, 11.5, true, [0, 1, 0, 0, 0, 0, 0, 0, 3, 0]),
        new(17, 7, 39, "metastatic", true, false, 12, 8, Bor.SD, 5.7, true, 9.505, true, [0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
        new(18, 6, 40, "metastatic", false, false, 10, 8, Bor.SD, 5.918, false, 5.918, false, [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
        new(19, 1, 68, "metastatic", true, false, 12, 8, Bor.SD, 6.137, true, 12.316, true, [0, 0, 3, 2, 0, 0, 1, 0, 3, 3]),
        new(20, 2, 53, "metastatic", true, false, 12, 8, Bor.SD, 6.137, false, 6.137, false, [3, 0, 0, 1, 2, 0, 0, 1, 0, 0]),
        new(21, 2, 43, "metastatic", true, false, 10, 10, Bor.SD, 7.123, true, 15.108, true, [0, 0, 1, 1, 0, 0, 1, 0, 0, 0]),
        new(22, 1, 61, "metastatic", true, false, 12, 11, Bor.SD, 8.11, true, 14.026, true, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
        new(23, 4, 70, "recurrent", true, false, 10, 13, Bor.SD, 9.096, true, 16.32, true, [0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
        new(24, 4, 72, "recurrent", true, false, 12, 14, Bor.PR, 10.082, true, 16.887, true, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        new(25, 6, 48, "metastatic", true, false, 12, 16, Bor.SD, 11.069, true, 16.846, false, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        new(26, 4, 73, "recurrent", true, false, 12, 17, Bor.SD, 12.055, true, 19.381, false, [2, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
        new(27, 4, 70, "recurrent", true, false, 12, 18, Bor.SD, 13.041, true, 19.364, false, [0, 0, 0, 0, 0, 1, 0, 0, 0, 2]),
        new(28, 1, 58, "both", false, false, 12, 20, Bor.PR, 14.027, true, 19.804, false, [3, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
        new(29, 5, 41, "metastatic", true, false, 10, 21, Bor.PR, 15.014, true, 20.791, false, [0, 2, 0, 1, 0, 0, 0, 0, 0, 0]),
        new(30, 6, 55, "recurrent", true, false, 12, 23, Bor.PR, 16.0, true, 23.97, false, [0, 0, 2, 0, 0, 0, 0, 0, 0, 0]),
    ];

    /// <summary>Enrolment runs from March 2019, a patient about every seven weeks, in an order unrelated to outcome.</summary>
    public static readonly DateOnly FirstEnrolment = new(2019, 3, 4);
    public const int DaysBetweenEnrolments = 49;
    public static int EnrolmentSlot(int id) => id * 11 % 31 - 1;

    /// <summary>The interim analysis' clinical cut-off; the final cut-off follows the last recorded fact.</summary>
    public static readonly DateOnly InterimCutoff = new(2022, 6, 30);
}
